/** A small seeded PRNG (mulberry32), so a failing fuzz case reproduces from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Boundary values that break naive number and string handling. */
export const BOUNDARY_VALUES = [
  '',
  ' ',
  '0',
  '-0',
  '-1',
  '1',
  '00',
  '0x10',
  '1e309',
  '1e-309',
  'NaN',
  'Infinity',
  '-Infinity',
  '9007199254740993',
  '99999999999999999999999',
  '0.0000001',
  '.5',
  '5.',
  '1,2',
  '1;2',
  '%',
  '%00',
  '%ZZ',
  '\u0000',
  '\uFFFF',
  '\uD800',
  'é',
  '🙂',
  '../../etc/passwd',
  '<script>',
  "'",
  '"',
  '\\',
  '/',
  '//',
  '?',
  '#',
  '&',
  '=',
  'null',
  'undefined',
  'true',
  '__proto__',
  'constructor',
  'toString',
  'a'.repeat(10_000),
  '9'.repeat(400),
  '-'.repeat(300),
];

export class Fuzzer {
  readonly random: () => number;
  constructor(readonly seed: number) {
    this.random = prng(seed);
  }
  int(max: number): number {
    return Math.floor(this.random() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** Random characters, weighted towards printable ASCII and the grammar's separators. */
  chars(maxLength: number, separators = '/-,=:;x%.'): string {
    const n = this.int(maxLength + 1);
    let s = '';
    for (let i = 0; i < n; i++) {
      const r = this.random();
      if (r < 0.2) s += separators[this.int(separators.length)];
      else if (r < 0.9) s += String.fromCharCode(32 + this.int(95));
      else s += String.fromCharCode(this.int(0x3000));
    }
    return s;
  }
  /** A value: boundary, random number, random text. */
  value(): string {
    const r = this.random();
    if (r < 0.4) return this.pick(BOUNDARY_VALUES);
    if (r < 0.7) return String((this.random() - 0.3) * 10 ** this.int(8)).slice(0, 1 + this.int(12));
    return this.chars(12);
  }
}
