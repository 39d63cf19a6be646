import { type CheckResult, ok, warn } from './doctor-check.js';

const TIMEOUT_MS = 3_000;

/**
 * GET <public url>/healthz, as clients will: the URLs in responses are built on it. A warning
 * only (the server may simply not run yet, or answer only from outside this host's network).
 * The public URL is the operator's own server; the doctor fetches nothing else.
 */
export async function checkPublicUrl(publicUrl: string): Promise<CheckResult> {
  const url = `${publicUrl}/healthz`;
  const fix = 'start `kiln serve`, and set --public-url / KILN_PUBLIC_URL to the address clients reach it at';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    await res.arrayBuffer().catch(() => {});
    if (res.status === 200) return ok('public url', `${url} answers 200`);
    return warn(
      'public url',
      `${url} answers ${res.status}`,
      `${fix}; 503 means a backend is down (see its log)`,
    );
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return warn('public url', `${url} not reachable from here (${cause})`, fix);
  }
}
