import type { Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { errors, KilnError } from '../../../../core/errors/kiln-error.js';

/** The text fields of an Images upload form, validated; `metadata` rebuilt from either encoding. */
export interface UploadFields {
  id?: string;
  url?: string;
  creator?: string;
  metadata?: Record<string, unknown>;
  requireSignedURLs?: boolean;
  expiry?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESERVED_IDS = new Set(['keys', 'stats', 'variants', 'config']);
export const MAX_METADATA_BYTES = 1024;

/**
 * Walks a multipart body: the `file` part (at most one) goes to `onFile` as a stream, in order, while
 * text parts are collected. The SDK sends objects as `metadata[k]` parts and strings as one part, so
 * both spellings are accepted.
 */
export async function readUploadForm<T>(
  request: FastifyRequest,
  onFile: (file: NodeJS.ReadableStream, filename: string, mimetype: string) => Promise<T>,
  limits: { fileSize: number },
): Promise<{ fields: UploadFields; file?: T }> {
  if (!request.isMultipart()) throw errors.invalid('Expected a multipart/form-data body');
  const raw: Record<string, string> = {};
  const meta: Record<string, unknown> = {};
  let file: T | undefined;
  let fileSeen = false;
  const parts = request.parts({
    limits: { fileSize: limits.fileSize + 1, files: 1, fields: 200, fieldSize: 16 * 1024 },
  });
  for await (const part of parts as AsyncIterable<Multipart>) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file' || fileSeen) {
        part.file.resume();
        throw errors.invalid(`Unexpected file part "${part.fieldname}"`);
      }
      fileSeen = true;
      file = await onFile(part.file, part.filename, part.mimetype);
      continue;
    }
    const value = String(part.value ?? '');
    const nested = /^metadata((?:\[[^\]]*\])+)$/.exec(part.fieldname);
    if (nested) {
      const keys = [...nested[1]!.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!);
      setPath(meta, keys, value);
    } else {
      raw[part.fieldname] = value;
    }
  }
  const fields: UploadFields = {};
  if (raw.id !== undefined && raw.id !== '') fields.id = raw.id;
  if (raw.url !== undefined && raw.url !== '') fields.url = raw.url;
  if (raw.creator !== undefined) fields.creator = raw.creator;
  if (raw.expiry !== undefined && raw.expiry !== '') fields.expiry = raw.expiry;
  if (raw.requireSignedURLs !== undefined)
    fields.requireSignedURLs = parseBool('requireSignedURLs', raw.requireSignedURLs);
  if (raw.metadata !== undefined && raw.metadata !== '') fields.metadata = parseMetadata(raw.metadata);
  else if (Object.keys(meta).length > 0) fields.metadata = meta;
  if (fields.metadata && Buffer.byteLength(JSON.stringify(fields.metadata)) > MAX_METADATA_BYTES) {
    throw errors.invalid(`Metadata must be at most ${MAX_METADATA_BYTES} bytes`);
  }
  if (fields.creator !== undefined && fields.creator.length > 1024)
    throw errors.invalid('creator must be at most 1024 characters');
  return { fields, file };
}

export function parseMetadata(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw errors.invalid('metadata must be a JSON object');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw errors.invalid('metadata must be a JSON object');
  return value as Record<string, unknown>;
}

function parseBool(name: string, v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0' || v === '') return false;
  throw errors.invalid(`${name} must be true or false`);
}

function setPath(target: Record<string, unknown>, keys: string[], value: string) {
  let node = target;
  for (const k of keys.slice(0, -1)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') return;
    const next = node[k];
    if (next && typeof next === 'object') {
      node = next as Record<string, unknown>;
    } else {
      const child: Record<string, unknown> = {};
      node[k] = child;
      node = child;
    }
  }
  const last = keys[keys.length - 1]!;
  if (last === '__proto__' || last === 'constructor' || last === 'prototype') return;
  node[last] = value;
}

/**
 * Custom image ids (§5.1): up to 1024 characters, `/`-separated parts, not starting or ending with
 * `/`, no empty parts or control characters; not a name the API uses beside ids; not a UUID (those
 * are Kiln's generated ids).
 */
export function validateCustomId(id: string): string {
  const bad = (why: string) =>
    new KilnError('invalid_input', `Invalid custom id: ${why}`, { details: { cloudflareCode: 5400 } });
  if (id.length > 1024) throw bad('longer than 1024 characters');
  if (id.startsWith('/') || id.endsWith('/')) throw bad('must not start or end with /');
  if (id.split('/').some((p) => p === '' || p === '.' || p === '..')) throw bad('empty, . or .. path parts');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(id)) throw bad('control characters');
  if (RESERVED_IDS.has(id)) throw bad(`"${id}" is reserved`);
  if (UUID.test(id)) throw bad('a UUID cannot be a custom id');
  return id;
}
