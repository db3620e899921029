/**
 * One CSV field: quoted when CSV needs it, and a leading `= + - @` (or tab, CR) neutralised so a
 * spreadsheet opening the download never runs it as a formula.
 */
export function csvField(value: string | number): string {
  const text = String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
}
