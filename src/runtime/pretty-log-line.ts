import { inspect } from 'node:util';

const LEVELS: Record<number, [name: string, color: string]> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[35m'],
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** pino's own fields, and fields every line of one process repeats. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

/**
 * One pino JSON line as a human reads it: `12:34:56.789 INFO  message key=value ...`, with an
 * error's stack on the lines below. The fallback of KILN_LOG_FORMAT=pretty when pino-pretty is not
 * installed; a line that is not JSON passes through unchanged.
 */
export function prettyLogLine(json: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const paint = (code: string, text: string) => (color ? `${code}${text}${RESET}` : text);
  const [name, code] = LEVELS[Number(entry.level)] ?? [String(entry.level).padEnd(5), ''];
  const at = new Date(Number(entry.time) || Date.now());
  const time = `${at.toTimeString().slice(0, 8)}.${String(at.getMilliseconds()).padStart(3, '0')}`;
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key)) continue;
    if (key === 'err' && value && typeof value === 'object' && 'stack' in value) {
      stack = `\n${String((value as { stack: unknown }).stack).replace(/^/gm, '    ')}`;
      continue;
    }
    const text = typeof value === 'string' ? value : inspect(value, { breakLength: Infinity, depth: 4 });
    fields.push(
      `${paint(DIM, `${key}=`)}${/\s/.test(text) && typeof value === 'string' ? JSON.stringify(text) : text}`,
    );
  }
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  return `${paint(DIM, time)} ${paint(code, name)} ${msg}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}\n`;
}
