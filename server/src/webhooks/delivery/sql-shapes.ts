/**
 * The statements built around lists (IN lists, multi-row inserts) come in a few shapes only, so the
 * SQLite statement cache keeps them: lists are padded to powers of two.
 */

/** Pads an IN list to a power-of-two length by repeating its last value (which changes nothing an IN matches). */
export function padded<T>(values: T[]): T[] {
  if (values.length === 0) return values;
  let size = 1;
  while (size < values.length) size *= 2;
  const out = values.slice();
  while (out.length < size) out.push(values[values.length - 1]!);
  return out;
}

/** Splits rows to insert into chunks of power-of-two sizes (at most 64 rows). */
export function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  while (at < rows.length) {
    let size = 64;
    while (size > rows.length - at) size /= 2;
    out.push(rows.slice(at, at + size));
    at += size;
  }
  return out;
}
