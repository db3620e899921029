import { type Static, Type } from '@sinclair/typebox';
import { decodeRooms } from '../store/json.ts';
import type { CannedRow } from '../store/schema.ts';

/** A canned response (docs/web.md): `ownerId` null = shared; `rooms` absent = every room. */
export const CannedResponse = Type.Object({
  id: Type.String(),
  shortcut: Type.String(),
  title: Type.String(),
  text: Type.String(),
  rooms: Type.Optional(Type.Array(Type.Integer())),
  ownerId: Type.Union([Type.String(), Type.Null()]),
  created: Type.Integer(),
  updated: Type.Integer(),
});
export type CannedResponse = Static<typeof CannedResponse>;

export function presentCanned(row: CannedRow): CannedResponse {
  const view: CannedResponse = {
    id: row.id,
    shortcut: row.shortcut,
    title: row.title,
    text: row.text,
    ownerId: row.ownerId,
    created: row.created,
    updated: row.updated,
  };
  if (row.rooms !== null) view.rooms = decodeRooms(row.rooms);
  return view;
}
