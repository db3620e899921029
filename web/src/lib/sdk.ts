/**
 * The one door from the web apps to the server (docs/web.md: built on the SDK). The wire
 * types are the SDK's own (generated from the server's documents); the aliases below name a part of
 * one of them, so nothing here can drift from the server.
 */
import type { BodyOf, Client, Message, Settings as SettingsAsRead, User } from '@switchboard/sdk';

export type {
  Agent,
  AgentsReport,
  App,
  AuditEntry,
  BodyOf,
  CannedResponse,
  Chat,
  ChatsReport,
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
  RoomStatus,
  Session,
  Survey,
  SurveyResponse,
  User,
  Webhook,
  WorkTimetable,
} from '@switchboard/sdk';
export { createClient, SwitchboardError, TRIGGERS } from '@switchboard/sdk';

/** A media message's file (the non-text form of `Message['message']`). */
export type MediaRef = Exclude<Message['message'], string>;
/** An agent's availability. */
export type AgentStatus = NonNullable<User['status']>;
/** A survey's definition and one of its questions, as the settings hold them (docs/surveys.md). */
export type SurveyDefinition = Settings['surveys'][number];
export type SurveyQuestion = SurveyDefinition['questions'][number];

/** The app's settings, every one of them (what the app's secret and a token read). */
export type Settings = Required<SettingsAsRead>;
/** One of the app's rooms. */
export type Room = Settings['rooms'][number];
/** What `POST /chats` takes. */
export type ChatBody = BodyOf<'/v1/chats', 'post'>;

/**
 * `GET /settings` with credentials that read every setting (the app's secret, a token); browser
 * credentials get rooms, langs and queue only, and this rejects.
 */
export async function readSettings(client: Pick<Client, 'settings'>): Promise<Settings> {
  const { settings } = await client.settings.get();
  if (!isComplete(settings)) throw new Error('These credentials cannot read every setting.');
  return settings;
}

function isComplete(settings: SettingsAsRead): settings is Settings {
  const { assign, presence, chats, tickets, media, auth } = settings;
  return [assign, presence, chats, tickets, media, auth].every((part) => part !== undefined);
}
