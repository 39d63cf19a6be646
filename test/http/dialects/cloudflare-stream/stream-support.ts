import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Cloudflare from 'cloudflare';
import { type StartKilnOptions, startKiln, type TestKiln } from '../../../support/start-kiln.js';
import { makeVideoFixtures, type VideoFixtures } from '../../../support/video-fixtures.js';

const run = promisify(execFile);

export function sdk(kiln: TestKiln, apiToken: string): Cloudflare {
  return new Cloudflare({ apiToken, baseURL: `${kiln.url}/client/v4`, maxRetries: 0 });
}

/** A Kiln with one account, the SDK signed in to it, and the generated test videos. */
export interface StreamHarness {
  kiln: TestKiln;
  fx: VideoFixtures;
  client: Cloudflare;
  accountId: string;
  apiToken: string;
  close(): Promise<void>;
}

export async function startStream(options?: StartKilnOptions): Promise<StreamHarness> {
  const [kiln, fx] = await Promise.all([startKiln(options), makeVideoFixtures()]);
  const { id: accountId, apiToken } = await kiln.createAccount();
  return {
    kiln,
    fx,
    client: sdk(kiln, apiToken),
    accountId,
    apiToken,
    close: async () => {
      await kiln.close();
      await fx.remove();
    },
  };
}

/** Polls stream.get until the video leaves the processing states. */
export async function waitSettled(client: Cloudflare, accountId: string, uid: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await client.stream.get(uid, { account_id: accountId });
    if (v.status?.state === 'ready' || v.status?.state === 'error') return v;
    if (Date.now() > deadline) throw new Error(`video ${uid} still ${v.status?.state}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Downloads a URL to a file in `dir` and probes it with the ffprobe CLI. */
export async function fetchToFile(
  url: string,
  dir: string,
  name: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  const path = join(dir, name);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  return path;
}

/** Decodes a rendition through its HLS media playlist (ffmpeg follows the relative segment URLs). */
export async function probeUrl(url: string): Promise<{ width?: number; height?: number; duration: number }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    '-select_streams',
    'v:0',
    url,
  ]);
  const json = JSON.parse(stdout) as {
    streams: Array<{ width?: number; height?: number }>;
    format: { duration?: string };
  };
  return {
    width: json.streams[0]?.width,
    height: json.streams[0]?.height,
    duration: Number(json.format.duration),
  };
}

/** Total duration by decoding every frame (counts what really plays). */
export async function decodedSeconds(url: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-i', url, '-map', '0:v:0', '-f', 'null', '-'], {
    maxBuffer: 1 << 24,
  });
  const times = [...stderr.matchAll(/time=(\d+):(\d+):(\d+(?:\.\d+)?)/g)];
  const last = times.at(-1);
  return last ? Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]) : 0;
}
