/**
 * The baselines of bench/delivery, each in a process of its own so its CPU can be read from /proc:
 *
 *   node --import tsx bench/delivery-baselines.ts <kind> <dir> [file]
 *
 * - `memory <dir> <file>`: bare node:http answering every GET with the file's bytes, read once
 *   into memory, with the same kind of headers a media origin sends (type, length, ETag, caching).
 * - `static <dir>`: @fastify/static serving `dir` (ETag, Last-Modified, Range: its defaults).
 * - `tus <dir>`: bare @tus/server with @tus/file-store under `/files`.
 * - `busboy <dir>`: a bare busboy server writing each file part to `dir` with fsync, then 200.
 * - `ipx <dir>`: ipx's node server with fs storage on `dir` (no result cache: every request renders).
 *
 * Prints `{"port": N}` on stdout once listening on 127.0.0.1, and runs until killed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const [kind, dir, file] = process.argv.slice(2);
if (!kind || !dir) throw new Error('usage: delivery-baselines.ts <kind> <dir> [file]');

async function memoryServer(): Promise<Server> {
  const bytes = readFileSync(join(dir!, file!));
  const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 40)}"`;
  const lastModified = new Date().toUTCString();
  return createServer((_req, res) => {
    res.writeHead(200, {
      'content-type': 'image/jpeg',
      'content-length': bytes.length,
      etag,
      'last-modified': lastModified,
      'cache-control': 'public, max-age=31536000, immutable',
      'accept-ranges': 'bytes',
    });
    res.end(bytes);
  });
}

async function staticServer(): Promise<Server> {
  const { default: fastify } = await import('fastify');
  const { default: fastifyStatic } = await import('@fastify/static');
  const app = fastify({ logger: false });
  await app.register(fastifyStatic, { root: dir! });
  await app.ready();
  return app.server;
}

async function tusServer(): Promise<Server> {
  const { Server: TusServer } = await import('@tus/server');
  const { FileStore } = await import('@tus/file-store');
  const tus = new TusServer({ path: '/files', datastore: new FileStore({ directory: dir! }) });
  return createServer((req, res) => void tus.handle(req, res));
}

async function busboyServer(): Promise<Server> {
  // busboy ships no types (and @types/busboy is not installed): the two calls used here, typed.
  const { default: busboy } = (await import('busboy' as string)) as {
    default: (o: { headers: IncomingHttpHeaders }) => Writable & {
      on(e: 'file', f: (name: string, stream: Readable) => void): void;
      on(e: 'field' | 'close', f: () => void): void;
    };
  };
  return createServer((req, res) => {
    const bb = busboy({ headers: req.headers });
    const writes: Array<Promise<void>> = [];
    bb.on('file', (_name, stream) => {
      const path = join(dir!, randomUUID());
      const out = createWriteStream(path);
      stream.pipe(out);
      writes.push(
        new Promise<void>((resolve, reject) => {
          out.on('error', reject);
          out.on('finish', async () => {
            let handle: FileHandle | undefined;
            try {
              handle = await open(path, 'r+');
              await handle.sync();
              resolve();
            } catch (err) {
              reject(err);
            } finally {
              await handle?.close();
            }
          });
        }),
      );
    });
    bb.on('field', () => {});
    bb.on('close', () => {
      Promise.all(writes).then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        (err) => res.writeHead(500).end(String(err)),
      );
    });
    req.pipe(bb);
  });
}

async function ipxServer(): Promise<Server> {
  const { createIPX, createIPXNodeServer, ipxFSStorage } = await import('ipx');
  const ipx = createIPX({ storage: ipxFSStorage({ dir: dir! }) });
  return createServer(createIPXNodeServer(ipx));
}

const servers: Record<string, () => Promise<Server>> = {
  memory: memoryServer,
  static: staticServer,
  tus: tusServer,
  busboy: busboyServer,
  ipx: ipxServer,
};
const make = servers[kind];
if (!make) throw new Error(`unknown baseline ${kind}`);
const server = await make();
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
