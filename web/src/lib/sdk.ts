/**
 * The one door from the web apps to the server (docs/web.md: built on the SDK). The wire
 * types are the SDK's own (generated from the server's documents); the aliases below name a part of
 * one of them. `Settings` is the exception, said where it is defined.
 */
import type { Client, Message, Settings as SettingsRecord, User } from '@switchboard/sdk';

export type {
  Agent,
  App,
  BodyOf,
  Chat,
  Client,
  Delivery,
  EventData,
  Invitation,
  Message,
  QueryOf,
  RealtimeConnection as Realtime,
  RealtimeEventData,
  RealtimeRequestName,
  RealtimeRequests,
  ResponseOf,
  RestApi,
  Session,
  User,
  Webhook,
} from '@switchboard/sdk';
export { createClient, SwitchboardError, TRIGGERS } from '@switchboard/sdk';

/** A media message's file (the non-text form of `Message['message']`). */
export type MediaRef = Exclude<Message['message'], string>;
/** An agent's availability. */
export type AgentStatus = NonNullable<User['status']>;

/**
 * The app's settings (docs/api.md). The OpenAPI document types `GET /settings` as an open record
 * (`SettingsRecord`), so this is the one wire shape the apps still name themselves: it goes, and
 * `Settings` becomes the SDK's, once the server's response schema carries the settings' own schema.
 * Browser credentials read only `rooms`, `langs` and `queue`.
 */
export interface Settings {
  rooms: Room[];
  langs: string[];
  queue: { active: boolean };
  assign: {
    onCreate: boolean;
    timeout: number;
    maxAttempts: number;
    algorithm: 'least-busy' | 'round-robin';
    maxChatsPerAgent: number;
    autoAccept: boolean;
  };
  presence: { reconnectGrace: number };
  chats: { inactivityTimeout: number };
  tickets: { createOnClose: boolean };
  media: { maxBytes: number; allowedTypes: string[] };
  auth: { requireDomainKey: boolean };
}
export interface Room {
  id: number;
  name: string;
  langs?: string[];
}

/** `GET /settings`, read as `Settings` (the one place the open record is narrowed). */
export async function readSettings(client: Pick<Client, 'settings'>): Promise<Settings> {
  const { settings }: { settings: SettingsRecord } = await client.settings.get();
  return settings as unknown as Settings;
}
