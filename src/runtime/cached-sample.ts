/**
 * A value loaded at most once per `maxAgeMs`, however often it is asked for (a metric that costs a
 * query: scrapes, even many at once, share one load). Concurrent askers share the load in flight;
 * when a load fails the last good value is kept (undefined before the first).
 */
export function cachedSample<T>(load: () => Promise<T>, maxAgeMs: number): () => Promise<T | undefined> {
  let value: T | undefined;
  let loadedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<T | undefined> | null = null;
  return () => {
    if (performance.now() - loadedAt < maxAgeMs) return Promise.resolve(value);
    inFlight ??= load()
      .then(
        (v) => {
          value = v;
          return v;
        },
        () => value,
      )
      .finally(() => {
        loadedAt = performance.now();
        inFlight = null;
      });
    return inFlight;
  };
}
