import { Type } from '@sinclair/typebox';
import { inRange, int } from '../../limits/ranges.ts';
import { badRequest } from '../../util/errors.ts';
import { Lang, RoomId } from '../../wire/fields.ts';

export const Rooms = Type.Array(RoomId, { maxItems: 1000 });
export const Langs = Type.Array(Lang, { maxItems: 100 });
export const MaxChats = int('maxChats');
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
/** Only the secret or an admin person sets it (policies/users.ts: an agent may not change its own). */
export { AgentRole as Role } from '../../wire/user.ts';
export const Status = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]);

/** `?roomIds=1,2` as numbers; `?roomIds=` means absent (docs/conventions.md), i.e. every room, not none. */
export function integers(field: string, raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (!parts.every((p) => /^\d{1,10}$/.test(p) && inRange('roomId', Number(p))))
    throw badRequest(`${field} must be comma-separated room ids`, [
      { field, message: 'must be comma-separated room ids' },
    ]);
  return parts.length > 0 ? parts.map(Number) : undefined;
}
