import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { isKilnError } from '../../../core/errors/kiln-error.js';
import { ucError } from './uc-errors.js';

/**
 * The parameters of one Upload API call: the query string and the form body merged (the SDK puts
 * some calls' parameters in the query, others in the form; reference §13). Decoded like
 * URLSearchParams (`+` is a space); empty values count as absent.
 */
export class UcParams {
  private readonly values = new Map<string, string[]>();

  static fromRequest(request: FastifyRequest): UcParams {
    const params = new UcParams();
    const q = request.url.indexOf('?');
    if (q >= 0) for (const [k, v] of new URLSearchParams(request.url.slice(q + 1))) params.add(k, v);
    const body = request.body;
    if (typeof body === 'string' && body) for (const [k, v] of new URLSearchParams(body)) params.add(k, v);
    return params;
  }

  add(name: string, value: string): void {
    if (name.includes('\0') || value.includes('\0')) throw ucError('NullCharactersForbiddenError');
    const list = this.values.get(name);
    if (list) list.push(value);
    else this.values.set(name, [value]);
  }

  /** The first non-empty value. */
  get(name: string): string | undefined {
    return this.values.get(name)?.find((v) => v !== '');
  }

  getAll(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  entries(): Array<[string, string[]]> {
    return [...this.values.entries()];
  }
}

export interface SpooledFile {
  field: string;
  filename: string;
  mimetype: string;
  path: string;
  size: number;
}

export interface FormLimits {
  /** Per file; one byte more is FileSizeLimitExceededError. */
  maxFileBytes: number;
  maxFiles: number;
}

/**
 * Reads a multipart/form-data body into `params`; file parts are streamed to files in `dir`
 * (never held in memory), because the SDK sends the file before the public key, so nothing can be
 * authorised until the whole form has been read. Without a multipart body this is a no-op.
 */
export async function readForm(
  request: FastifyRequest,
  params: UcParams,
  dir: string | null,
  limits: FormLimits,
): Promise<SpooledFile[]> {
  if (!request.isMultipart()) return [];
  const files: SpooledFile[] = [];
  try {
    for await (const part of request.parts({
      limits: { fileSize: limits.maxFileBytes + 1, files: limits.maxFiles + 1 },
    })) {
      if (part.type === 'field') {
        params.add(part.fieldname, typeof part.value === 'string' ? part.value : String(part.value ?? ''));
        continue;
      }
      if (!dir) {
        part.file.resume();
        continue;
      }
      if (files.length >= limits.maxFiles) throw ucError('FilesNumberLimitExceededError');
      const path = join(dir, `f${files.length}`);
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > limits.maxFileBytes) done(ucError('FileSizeLimitExceededError'));
          else done(null, chunk);
        },
      });
      await pipeline(part.file, counter, createWriteStream(path));
      files.push({
        field: part.fieldname,
        filename: part.filename || 'original',
        mimetype: part.mimetype,
        path,
        size,
      });
    }
  } catch (err) {
    if (isKilnError(err)) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw ucError('FileSizeLimitExceededError');
    if (code === 'FST_FILES_LIMIT') throw ucError('FilesNumberLimitExceededError');
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT')
      throw ucError('RequestFiledsNumberLimitExceededError');
    throw ucError('PostRequestParserFailedError');
  }
  return files;
}
