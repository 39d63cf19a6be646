import { PassThrough, type Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import type { FastifyReply } from 'fastify';
import type { Asset } from '../../../core/assets/asset.js';
import { USER_CONTENT_HEADERS } from '../../../core/delivery/active-content.js';
import { formatContentDisposition } from '../../../core/delivery/content-disposition.js';
import { KilnError } from '../../../core/errors/kiln-error.js';
import type { UcGroup } from '../../../core/uploadcare/group-repository.js';
import type { KilnRuntime } from '../../../runtime/kiln-runtime.js';
import { userContentBase } from '../../delivery/delivery-origin.js';
import { isVisible } from './uc-base-routes.js';
import { sanitizeFilename } from './uc-upload-options.js';

async function members(runtime: KilnRuntime, group: UcGroup): Promise<Asset[]> {
  const assets = await Promise.all(group.files.map((f) => runtime.assets.find(group.accountId, f.uuid)));
  // Like Uploadcare: an archive of a group with a removed file is not served.
  if (assets.some((a) => !a || !a.blobKey || !isVisible(a)))
    throw new KilnError('not_found', 'File not found.');
  return assets as Asset[];
}

/**
 * `/<group>/archive/zip/`: the original files, streamed into a zip as the client reads it. Each
 * blob is opened only when archiver reaches it, so neither memory nor open handles grow with the group.
 */
export async function sendGroupArchive(
  runtime: KilnRuntime,
  reply: FastifyReply,
  group: UcGroup,
  name: string,
) {
  const assets = await members(runtime, group);
  const archive = new ZipArchive({ store: true });
  const used = new Set<string>();
  assets.forEach((asset, i) => {
    let entry = sanitizeFilename(asset.originalName ?? '') || `file${i}`;
    if (used.has(entry)) entry = `${i}_${entry}`;
    used.add(entry);
    archive.append(lazyBlob(runtime, asset.blobKey!), { name: entry, date: new Date(asset.createdAt) });
  });
  void archive.finalize().catch((err: Error) => archive.destroy(err));
  reply.raw.once('close', () => archive.destroy());
  return reply
    .type('application/zip')
    .header('content-disposition', formatContentDisposition({ type: 'attachment', filename: name }))
    .header('cache-control', 'public, max-age=31536000, immutable')
    .headers(USER_CONTENT_HEADERS)
    .send(archive);
}

/** A stream that opens the blob on first read. */
function lazyBlob(runtime: KilnRuntime, key: string): Readable {
  const out = new PassThrough();
  let opened = false;
  const open = () => {
    if (opened) return;
    opened = true;
    runtime.blobs.get(key).then(
      (src) => {
        src.once('error', (err) => out.destroy(err));
        src.pipe(out);
      },
      (err) => out.destroy(err),
    );
  };
  const read = out._read.bind(out);
  out._read = (size) => {
    open();
    read(size);
  };
  out.once('resume', open);
  return out;
}

/** `/<group>/`: a plain page listing the member files with their CDN URLs. */
export async function sendGroupPage(runtime: KilnRuntime, reply: FastifyReply, group: UcGroup) {
  const base = userContentBase(runtime.config);
  const items = group.files
    .map((f, i) => {
      const url = `${base}/${group.id}/nth/${i}/`;
      return `<li><a href="${url}">${url}</a>${f.effects ? ` (-/${escapeHtml(f.effects)})` : ''}</li>`;
    })
    .join('\n');
  return reply
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><meta charset="utf-8"><title>${group.id}</title><h1>${group.id}</h1><ol start="0">\n${items}\n</ol>`,
    );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
