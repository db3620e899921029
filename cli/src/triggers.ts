import { TRIGGERS, type Trigger } from '@switchboard/sdk';
import { UsageError } from './errors.ts';

/** `--events a,b` → triggers, refusing unknown names with the list of known ones. */
export function parseEvents(raw: string | undefined): Trigger[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UsageError('--events is empty');
  for (const name of names) {
    if (!(TRIGGERS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown event "${name}" (known: ${TRIGGERS.join(', ')})`);
    }
  }
  return names as Trigger[];
}
