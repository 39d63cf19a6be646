import { KilnError } from '../errors/kiln-error.js';

/** Uploadcare's file metadata rules (Upload API `metadata[...]`, REST `/files/{uuid}/metadata/`). */
export const METADATA_MAX_KEYS = 50;
export const METADATA_KEY_MAX = 64;
export const METADATA_VALUE_MAX = 512;
const KEY = /^[A-Za-z0-9_.:-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the format forbids
const VALUE_FORBIDDEN = /[\u0000-\u001f\u007f]/;

/** A 400 carrying the Upload API's error code, in that table's words (both dialects render it). */
function metadataError(ucCode: string, message: string): KilnError {
  return new KilnError('invalid_input', message, { status: 400, details: { ucCode } });
}

export function checkMetadataKey(key: string): void {
  if (key === '') throw metadataError('FileMetadataKeyEmptyError', "File's metadata key can not be empty.");
  if (key.length > METADATA_KEY_MAX)
    throw metadataError(
      'FileMetadataKeyLengthTooBigError',
      `Length of file metadata key \`${key}\` can not be more than ${METADATA_KEY_MAX} symbols.`,
    );
  if (!KEY.test(key))
    throw metadataError(
      'FileMetadataKeyForbiddenError',
      `File's metadata key \`${key}\` contains symbols not allowed by the metadata key format.`,
    );
}

export function checkMetadataValue(key: string, value: unknown): string {
  if (value === undefined || value === null || value === '')
    throw metadataError(
      'FileMetadataValueEmptyError',
      `Value of the file metadata key \`${key}\` can not be empty.`,
    );
  if (typeof value !== 'string')
    throw metadataError(
      'FileMetadataValueForbiddenError',
      `Value of file metadata key \`${key}\` contains symbols not allowed by the metadata value format.`,
    );
  if (value.length > METADATA_VALUE_MAX)
    throw metadataError(
      'FileMetadataValueLengthTooBigError',
      `Value of file metadata's key \`${key}\` can not be more than ${METADATA_VALUE_MAX} symbols in length.`,
    );
  if (VALUE_FORBIDDEN.test(value))
    throw metadataError(
      'FileMetadataValueForbiddenError',
      `Value of file metadata key \`${key}\` contains symbols not allowed by the metadata value format.`,
    );
  return value;
}

export function checkMetadataCount(count: number): void {
  if (count > METADATA_MAX_KEYS)
    throw metadataError(
      'FileMetadataKeysNumberTooBigError',
      `A file can not have more than ${METADATA_MAX_KEYS} metadata keys.`,
    );
}

/** A whole metadata object (REST local copy), checked key by key. */
export function checkMetadata(input: unknown): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input))
    throw new KilnError('invalid_input', 'Expected JSON object.', { status: 400 });
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    checkMetadataKey(key);
    out[key] = checkMetadataValue(key, value);
  }
  checkMetadataCount(Object.keys(out).length);
  return out;
}
