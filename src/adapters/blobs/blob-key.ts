import { KilnError } from '../../core/errors/kiln-error.js';

/**
 * Blob keys are `/`-separated relative paths. Anything that could name a file outside a store's
 * root, or that two backends would read differently, is rejected up front: absolute paths, `.`/`..`
 * segments, empty segments (`a//b`, trailing `/`), backslashes, NUL and other control characters.
 */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) {
    throw new KilnError('invalid_input', `Invalid blob key: ${problem}`, { details: { key } });
  }
}

/**
 * A prefix names a "folder" of keys: the empty string (everything) or a valid key, with one
 * trailing `/` tolerated. Returns the prefix without the trailing slash.
 */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (trimmed !== '') assertValidKey(trimmed);
  return trimmed;
}

function keyProblem(key: string): string | null {
  if (typeof key !== 'string' || key.length === 0) return 'empty';
  if (Buffer.byteLength(key) > 1024) return 'longer than 1024 bytes';
  if (key.startsWith('/')) return 'absolute';
  if (key.includes('\\')) return 'contains a backslash';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'contains a control character';
  for (const segment of key.split('/')) {
    if (segment === '') return 'contains an empty segment';
    if (segment === '.' || segment === '..') return 'contains a relative segment';
  }
  return null;
}
