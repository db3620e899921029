import { type Static, Type } from '@sinclair/typebox';
import type { Settings } from '../apps/settings.ts';
import { decodeObject, decodeRooms, decodeStrings } from '../store/json.ts';
import type { UserRow } from '../store/schema.ts';

/** An agent's role in its team (docs/people.md). */
export const AgentRole = Type.Union([
  Type.Literal('agent'),
  Type.Literal('supervisor'),
  Type.Literal('admin'),
]);

/**
 * The one shape of a user or agent in responses, events and webhooks (docs/conventions.md). `role` is
 * `user` for end users and the agent's role (AgentRole) for agents: tell staff by `role !== 'user'`.
 */
export const User = Type.Object({
  id: Type.String(),
  name: Type.String(),
  nickname: Type.Optional(Type.String()),
  contact: Type.Optional(Type.String()),
  externalId: Type.Optional(Type.String()),
  extraInfo: Type.Record(Type.String(), Type.Unknown()),
  role: Type.Union([Type.Literal('user'), ...AgentRole.anyOf]),
  providerId: Type.Optional(Type.String()),
  status: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')])),
  rooms: Type.Optional(Type.Array(Type.Integer())),
  langs: Type.Optional(Type.Array(Type.String())),
  maxChats: Type.Optional(Type.Integer()),
  /** Agents: false once deactivated (it may not sign in; docs/security.md, "Sessions"). */
  active: Type.Optional(Type.Boolean()),
  chats: Type.Array(Type.String()),
  created: Type.Integer(),
});
export type User = Static<typeof User>;

export const Session = Type.Object({ token: Type.String(), expires: Type.Integer() });
export type Session = Static<typeof Session>;

export function maxChatsOf(row: UserRow, settings: Settings): number {
  return row.maxChats ?? settings.assign.maxChatsPerAgent;
}

export function presentUser(row: UserRow, chats: string[], settings: Settings): User {
  const view: User = {
    id: row.id,
    name: row.name,
    extraInfo: decodeObject(row.extraInfo),
    role: row.role === 'agent' ? (row.agentRole ?? 'agent') : 'user',
    chats,
    created: row.created,
  };
  if (row.nickname !== null) view.nickname = row.nickname;
  if (row.contact !== null) view.contact = row.contact;
  if (row.externalId !== null) view.externalId = row.externalId;
  if (row.role === 'agent') {
    view.providerId = row.providerId ?? 'local';
    view.status = row.status ?? 'offline';
    view.rooms = decodeRooms(row.rooms);
    view.langs = decodeStrings(row.langs);
    view.maxChats = maxChatsOf(row, settings);
    view.active = row.active === 1;
  }
  return view;
}
