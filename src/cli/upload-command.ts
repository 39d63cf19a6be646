import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { formatBytes, printTable } from './output-table.js';
import { errorMessage, type Remote, remoteFrom, withRemoteOptions } from './remote-options.js';
import { type UploadProgress, uploadFileResumable } from './resumable-file-upload.js';

type Source = { kind: 'file'; path: string; size: number } | { kind: 'url'; url: string };
type Asset = Record<string, unknown> & { id: string; name: string | null; size: number; url: string | null };

/** Files, directories (walked recursively, hidden entries skipped) and http(s) URLs, in order. */
async function expand(inputs: string[]): Promise<Source[]> {
  const out: Source[] = [];
  for (const input of inputs) {
    if (/^https?:\/\//i.test(input)) {
      out.push({ kind: 'url', url: input });
      continue;
    }
    const info = await stat(input).catch(() => null);
    if (!info) throw new Error(`${input}: no such file or directory`);
    if (info.isFile()) out.push({ kind: 'file', path: input, size: info.size });
    else if (info.isDirectory()) {
      const entries = (await readdir(input)).filter((e) => !e.startsWith('.')).sort();
      out.push(...(await expand(entries.map((e) => join(input, e)))));
    }
  }
  return out;
}

/** A URL is fetched here and streamed into the native upload (nothing buffered). */
async function uploadFromUrl(
  remote: Remote,
  url: string,
  onProgress: (p: UploadProgress) => void,
): Promise<Asset> {
  const source = await fetch(url);
  if (!source.ok || !source.body) throw new Error(`${url}: HTTP ${source.status}`);
  const total = Number(source.headers.get('content-length') ?? 0);
  const name = decodeURIComponent(basename(new URL(url).pathname)) || 'download';
  let sent = 0;
  const body = Readable.fromWeb(source.body as import('node:stream/web').ReadableStream).on(
    'data',
    (c: Buffer) => {
      sent += c.length;
      onProgress({ sent, total: Math.max(total, sent), resumedFrom: 0 });
    },
  );
  const res = await fetch(`${remote.server}/kiln/v1/assets?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${remote.token}`,
      'content-type': source.headers.get('content-type') ?? 'application/octet-stream',
      ...(total ? { 'content-length': String(total) } : {}),
    },
    body: Readable.toWeb(body) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (!res.ok) throw new Error(`${url}: ${await errorMessage(res)}`);
  return (await res.json()) as Asset;
}

export function registerUploadCommand(program: Command): void {
  withRemoteOptions(program.command('upload'))
    .description('upload files, directories or URLs to a Kiln server (resumes interrupted uploads)')
    .argument('<sources...>', 'files, directories or http(s) URLs')
    .option('--chunk-size <bytes>', 'bytes per upload request (default 64 MiB)', (v) =>
      Number.parseInt(v, 10),
    )
    .option('--no-progress', 'no progress bars')
    .action(async (inputs: string[], flags) => {
      const remote = remoteFrom(flags);
      const sources = await expand(inputs).catch((err: Error) => {
        console.error(`kiln: ${err.message}`);
        process.exit(2);
      });
      const showBars = flags.progress !== false && process.stderr.isTTY;
      const bars = showBars
        ? new cliProgress.MultiBar(
            {
              format: ' {bar} {percentage}% | {value_h}/{total_h} | {name}',
              hideCursor: true,
              clearOnComplete: false,
              stream: process.stderr,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
      const overall =
        bars && sources.length > 1
          ? bars.create(sources.length, 0, { name: 'files', value_h: '0', total_h: String(sources.length) })
          : null;
      const uploaded: Asset[] = [];
      let failed = 0;
      for (const source of sources) {
        const name = source.kind === 'file' ? source.path : source.url;
        const bar = bars?.create(1, 0, { name, value_h: '0 B', total_h: '?' });
        const onProgress = (p: UploadProgress) => {
          bar?.setTotal(Math.max(p.total, 1));
          bar?.update(p.sent, { value_h: formatBytes(p.sent), total_h: formatBytes(p.total) });
          if (p.resumedFrom > 0 && p.sent === p.resumedFrom) {
            const note = `resuming ${name} from ${p.resumedFrom} bytes`;
            if (bars) bars.log(`${note}\n`);
            else console.error(note);
          }
        };
        try {
          const asset =
            source.kind === 'file'
              ? ((await uploadFileResumable(remote, source.path, {
                  chunkSize: flags.chunkSize,
                  onProgress,
                })) as Asset)
              : await uploadFromUrl(remote, source.url, onProgress);
          uploaded.push(asset);
        } catch (err) {
          failed++;
          const message = `failed: ${name}: ${(err as Error).message}`;
          if (bars) bars.log(`${message}\n`);
          else console.error(message);
        }
        overall?.increment(1, { value_h: String(uploaded.length + failed) });
      }
      bars?.stop();
      if (flags.json) process.stdout.write(`${JSON.stringify(uploaded)}\n`);
      else
        printTable(uploaded, [
          ['id', (a) => a.id],
          ['size', (a) => formatBytes(a.size)],
          ['name', (a) => a.name ?? ''],
          ['url', (a) => a.url ?? ''],
        ]);
      if (failed > 0) process.exit(1);
    });
}
