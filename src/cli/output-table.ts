/** Prints rows as an aligned plain-text table (the columns in order, headers upper-cased). */
export function printTable<T>(rows: T[], columns: Array<[header: string, value: (row: T) => string]>): void {
  const cells = rows.map((r) => columns.map(([, value]) => value(r)));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(columns.map(([h]) => h.toUpperCase())));
  for (const c of cells) console.log(line(c));
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
