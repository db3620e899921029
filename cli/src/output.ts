/** Printing: aligned columns for people, JSON for scripts (`--json`). */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A table with a header row; cells are turned into text, long ones kept whole. */
export function printTable(headers: string[], rows: unknown[][]): void {
  const text = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [line(headers.map((h) => h.toUpperCase())), ...text.map(line)];
  if (rows.length === 0) lines.push('(none)');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Unix seconds → `2026-12-01 09:30:00`. */
export function time(seconds: number | null | undefined): string {
  if (!seconds) return '-';
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

export function clock(): string {
  return new Date().toISOString().slice(11, 19);
}
