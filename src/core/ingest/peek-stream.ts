import { Readable } from 'node:stream';

/**
 * Reads the first `bytes` of a stream (fewer if it ends sooner) without losing them: returns that
 * head and a stream that yields the head and then the rest, so a caller can sniff a body before
 * deciding to store it. Never holds more than the head and one chunk.
 */
export async function peekStream(source: Readable, bytes: number): Promise<{ head: Buffer; body: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  const iterator = source[Symbol.asyncIterator]();
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay() {
    if (head.length > 0) yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  const body = Readable.from(replay(), { objectMode: false });
  // Giving up on the replay (a limit tripped, the client left) must release the source too.
  body.once('close', () => {
    if (!source.readableEnded) source.destroy();
  });
  return { head: head.subarray(0, bytes), body };
}
