import { type Static, Type } from '@sinclair/typebox';
import { decodeStrings } from '../store/json.ts';
import type { ChatRow } from '../store/schema.ts';
import { HistoryEntry } from './message.ts';
import { User } from './user.ts';

const chatFields = {
  id: Type.String(),
  creator: Type.String(),
  room: Type.Integer(),
  lang: Type.String(),
  source: Type.Integer(),
  externalId: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('waiting'), Type.Literal('active'), Type.Literal('closed')]),
  inQueue: Type.Boolean(),
  queuePosition: Type.Union([Type.Integer(), Type.Null()]),
  priority: Type.Integer(),
  created: Type.Integer(),
  closed: Type.Optional(Type.Integer()),
  closedBy: Type.Optional(Type.String()),
  ticketId: Type.Optional(Type.String()),
  /** Set (true) when the chat was opened while its room was closed (docs/routing.md, "Opening hours"). */
  offHours: Type.Optional(Type.Boolean()),
  tags: Type.Array(Type.String()),
  /** The first rating answer (1–5) of the chat's survey response, once answered (docs/surveys.md). */
  rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
};

/** The one shape of a chat in responses, events and webhooks (docs/conventions.md). */
export const Chat = Type.Object({ ...chatFields, users: Type.Array(Type.String()) });
export type Chat = Static<typeof Chat>;

/** A chat as `GET /chats/{id}?fields=users,history,watchers` expands it. */
export const ChatWithFields = Type.Object({
  ...chatFields,
  users: Type.Union([Type.Array(User), Type.Array(Type.String())]),
  history: Type.Optional(Type.Array(HistoryEntry)),
  /** `fields=watchers`: who watches the chat (docs/people.md, "Supervision"); never to an end user. */
  watchers: Type.Optional(Type.Array(User)),
});
export type ChatWithFields = Static<typeof ChatWithFields>;

export function presentChat(row: ChatRow, users: string[]): Chat {
  const view: Chat = {
    id: row.id,
    creator: row.creator,
    room: row.room,
    lang: row.lang,
    source: row.source,
    status: row.status,
    inQueue: row.inQueue === 1,
    queuePosition: row.inQueue === 1 && row.status === 'waiting' ? row.queuePosition : null,
    priority: row.priority,
    users,
    created: row.created,
    // Most chats carry none: no parse for them.
    tags: row.tags === '[]' ? [] : decodeStrings(row.tags),
  };
  if (row.externalId !== null) view.externalId = row.externalId;
  if (row.closed !== null) view.closed = row.closed;
  if (row.closedBy !== null) view.closedBy = row.closedBy;
  if (row.ticketId !== null) view.ticketId = row.ticketId;
  if (row.rating !== null && row.rating !== undefined) view.rating = row.rating;
  return view;
}

/** A chat with its watchers, as the watch routes answer (docs/people.md, "Supervision"). */
export const WatchedChat = Type.Object({
  ...chatFields,
  users: Type.Array(Type.String()),
  watchers: Type.Array(User),
});
export type WatchedChat = Static<typeof WatchedChat>;
