import { type Static, Type } from '@sinclair/typebox';
import { int } from '../limits/ranges.ts';
import { jsonColumn } from '../store/json.ts';
import type { MessageRow } from '../store/schema.ts';

/** A file as a message carries it. */
export const MediaRef = Type.Object({
  id: Type.String(),
  url: Type.String(),
  type: Type.String(),
  name: Type.String(),
  size: Type.Integer(),
});
export type MediaRef = Static<typeof MediaRef>;
const decodeMediaRef = jsonColumn('media message', MediaRef);

/** `agents`: an internal note, seen by agents and the app server only (docs/security.md). */
export const Visibility = Type.Union([Type.Literal('all'), Type.Literal('agents')]);

/** The one shape of a message in responses, events and webhooks (docs/conventions.md). */
export const Message = Type.Object({
  id: Type.String(),
  chat: Type.String(),
  sender: Type.String(),
  type: Type.Union([
    Type.Literal('text'),
    Type.Literal('media'),
    Type.Literal('object'),
    Type.Literal('system'),
  ]),
  message: Type.Union([MediaRef, Type.String()]),
  seq: Type.Integer(),
  created: Type.Integer(),
  /** Absent: `all`. Only a note carries it (`agents`). */
  visibility: Type.Optional(Visibility),
});
export type Message = Static<typeof Message>;

/** A line of an imported bot conversation (request and response alike). */
export const HistoryEntry = Type.Object({
  sender: Type.String({ minLength: 1, maxLength: 64 }),
  message: Type.String({ maxLength: 65536 }),
  created: int('seconds'),
  type: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('object')])),
});
export type HistoryEntry = Static<typeof HistoryEntry>;

export function presentMessage(row: MessageRow): Message {
  const view: Message = {
    id: row.id,
    chat: row.chatId,
    sender: row.sender,
    type: row.type,
    message: row.type === 'media' ? decodeMediaRef(row.body) : row.body,
    seq: row.seq,
    created: row.created,
  };
  if (row.visibility === 'agents') view.visibility = 'agents';
  return view;
}
