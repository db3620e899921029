import type { Static, TObject } from '@sinclair/typebox';
import {
  AgentsStatusData,
  ChatsAssignData,
  ChatsCloseData,
  ChatsCreateData,
  ChatsIntervenedData,
  ChatsJoinData,
  ChatsLeaveData,
  ForeverAloneData,
  InvitationsAcceptData,
  InvitationsNewData,
  MessagesNewData,
  MessagesReadData,
  QueuesUpdateData,
  SurveysResponseData,
  SystemInfoData,
  UsersActivityData,
  UsersErasedData,
} from '../wire/events.ts';
import type { Visibility } from './notes.ts';

export type { AssignCandidate } from '../wire/events.ts';

/**
 * Every trigger with the schema of its `data` (wire/events.ts), in the order docs/webhooks.md lists them: the one
 * list the server's types, the outbox's checks, /v1/asyncapi.json and the SDK's event map come from.
 */
export const EVENT_DATA = {
  'chats:create': ChatsCreateData,
  'chats:join': ChatsJoinData,
  'chats:leave': ChatsLeaveData,
  'chats:close': ChatsCloseData,
  'chats:assign': ChatsAssignData,
  'chats:intervened': ChatsIntervenedData,
  'forever:alone': ForeverAloneData,
  'invitations:new': InvitationsNewData,
  'invitations:accept': InvitationsAcceptData,
  'messages:new': MessagesNewData,
  'messages:read': MessagesReadData,
  'queues:update': QueuesUpdateData,
  'system:info': SystemInfoData,
  'surveys:response': SurveysResponseData,
  'users:activity': UsersActivityData,
  'agents:status': AgentsStatusData,
  'users:erased': UsersErasedData,
} as const satisfies Record<string, TObject>;

/** Every trigger with the exact shape of its `data`. */
export type EventDataByTrigger = { [T in keyof typeof EVENT_DATA]: Static<(typeof EVENT_DATA)[T]> };

export type Trigger = keyof EventDataByTrigger;

/** The triggers webhooks may be registered for, in the order docs/webhooks.md lists them. */
export const TRIGGERS: readonly Trigger[] = Object.keys(EVENT_DATA) as Trigger[];

export function isTrigger(name: string): name is Trigger {
  return (TRIGGERS as readonly string[]).includes(name);
}

/** An event as the outbox stored it. `seq` is global; `position` orders the events of one app. */
export interface StoredEvent<T extends Trigger = Trigger> {
  seq: number;
  /** Per-app position: increases by one with each event of the app, in commit order. */
  position: number;
  id: string;
  appId: string;
  trigger: T;
  /** The chat the event concerns, when it concerns one: decides who hears it. */
  chatId: string | null;
  /** The one user the event is addressed to, when it has a single addressee (invitations, forever:alone). */
  userId: string | null;
  data: EventDataByTrigger[T];
  created: number;
  /** Realtime audience keys (`u:<userId>`, `r:<room>`), stored with the event; see events/audience.ts. */
  audience?: readonly string[];
}

/** What a command asks to be recorded; the outbox adds id, seq and time. */
export interface NewEvent<T extends Trigger = Trigger> {
  /** A pre-chosen id, when the change must reference its event (e.g. a message's eventId). */
  id?: string;
  trigger: T;
  chatId?: string | null;
  userId?: string | null;
  data: EventDataByTrigger[T];
  /** `agents`: the event is about an internal note, so no end user hears it (events/notes.ts). */
  visibility?: Visibility;
}

/** The webhook envelope (docs/webhooks.md, "The envelope"). */
export function envelope(event: StoredEvent): {
  trigger: Trigger;
  appId: string;
  data: unknown;
  created_at: number;
} {
  return { trigger: event.trigger, appId: event.appId, data: event.data, created_at: event.created };
}
