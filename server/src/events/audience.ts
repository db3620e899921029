import type { Tx } from '../store/database.ts';
import { type Prepared, prepare } from '../store/prepared.ts';
import { rtDb, rtTx } from '../store/realtime-tables.ts';
import type { EventDataByTrigger, NewEvent } from './catalog.ts';
import { isNote, seesNotes } from './notes.ts';

/**
 * Who hears an event on the realtime stream (docs/realtime.md), decided inside the event's transaction
 * and stored beside it, so a live push and a replay after any outage agree exactly.
 *
 * Keys: `u:<userId>` (every connection of that user) and `r:<room>` (the agents of that room).
 * - `chats:assign` and `users:erased` are never sent.
 * - `invitations:new`, `forever:alone`: their single addressee (the invited agent, the creator).
 * - `chats:create`: the participants (the creator) and the agents of the chat's room.
 * - `queues:update`: the chat's creator and the agents of the chat's room.
 * - `agents:status`: the agent and the agents of the rooms it serves; never an end user.
 * - `system:info` addressed to one user (`userId` set: the survey asked of the creator on close,
 *   docs/surveys.md): that user alone, though the chat is closed; without one, as below.
 * - `surveys:response`: the agents of the chat's room and the chat's agents; no end user.
 * - every other event of a chat: the participants and the watchers (docs/people.md, "Supervision")
 *   at the time of the event; the user a `chats:join`, `chats:leave` or `invitations:accept` is about
 *   (so a leaver hears their own leave), for `chats:close` the creator too (when the creator's leave
 *   closes the chat), for `chats:intervened` the agents it made leave.
 * - an event about an internal note (`messages:new` of a note, `messages:read` of one): only those
 *   of the above the note rule lets see notes (events/notes.ts), never an end user.
 */
export const userKey = (userId: string): string => `u:${userId}`;
export const roomKey = (room: number): string => `r:${room}`;

const SUBJECT_TRIGGERS = new Set(['chats:join', 'chats:leave', 'invitations:accept']);

/** Those who hear a chat: its participants and its watchers (docs/people.md, "Supervision"). */
const chatHearers = prepare<{ chatId: string }, { userId: string }>((db, arg) =>
  db
    .selectFrom('chatUsers')
    .select('userId')
    .where('chatId', '=', arg('chatId'))
    .union(db.selectFrom('chatWatchers').select('userId').where('chatId', '=', arg('chatId'))),
);

/**
 * `known`: the chat's participants and watchers as the caller read them in this transaction, if it
 * did (chats/watchers.ts, hearersOf).
 */
export async function audienceOf(tx: Tx, event: NewEvent, known?: readonly string[]): Promise<string[]> {
  const users = new Set<string>();
  const rooms = new Set<number>();
  const chatId = event.chatId ?? null;
  const participants = async () => {
    if (chatId === null) return;
    if (known) {
      for (const user of known) users.add(user);
      return;
    }
    for (const row of await chatHearers.all(tx, { chatId })) users.add(row.userId);
  };
  switch (event.trigger) {
    case 'chats:assign':
    // An erasure is the app's business (webhooks, the stream); the erased user's sockets are closing.
    case 'users:erased':
      return [];
    case 'invitations:new':
    case 'forever:alone':
      if (event.userId) users.add(event.userId);
      else await participants();
      break;
    case 'chats:create': {
      const { chat } = event.data as EventDataByTrigger['chats:create'];
      for (const user of chat.users) users.add(user);
      users.add(chat.creator);
      rooms.add(chat.room);
      break;
    }
    case 'agents:status': {
      // The agent itself and the agents of the rooms it serves (room keys are agents' alone).
      const data = event.data as EventDataByTrigger['agents:status'];
      users.add(data.agentId);
      for (const room of data.rooms) rooms.add(room);
      break;
    }
    case 'system:info':
      if (event.userId) users.add(event.userId);
      else await participants();
      break;
    case 'surveys:response': {
      await participants();
      await keepAgents(tx, users);
      if (chatId !== null) {
        const chat = await tx.selectFrom('chats').select('room').where('id', '=', chatId).executeTakeFirst();
        if (chat) rooms.add(chat.room);
      }
      break;
    }
    case 'queues:update': {
      const data = event.data as EventDataByTrigger['queues:update'];
      users.add(data.userId);
      if (chatId !== null) {
        const chat = await tx.selectFrom('chats').select('room').where('id', '=', chatId).executeTakeFirst();
        if (chat) rooms.add(chat.room);
      }
      break;
    }
    default: {
      if (chatId === null) {
        if (event.userId) users.add(event.userId);
        break;
      }
      await participants();
      if (SUBJECT_TRIGGERS.has(event.trigger)) users.add((event.data as { userId: string }).userId);
      if (event.trigger === 'chats:intervened')
        for (const user of (event.data as EventDataByTrigger['chats:intervened']).intervenedUsers)
          users.add(user);
      if (event.trigger === 'chats:close') {
        const chat = await tx
          .selectFrom('chats')
          .select('creator')
          .where('id', '=', chatId)
          .executeTakeFirst();
        if (chat) users.add(chat.creator);
      }
    }
  }
  if (aboutNote(event)) await keepNoteReaders(tx, users);
  return [...[...users].map(userKey), ...[...rooms].map(roomKey)];
}

function aboutNote(event: NewEvent): boolean {
  if (event.visibility === 'agents') return true;
  return (
    event.trigger === 'messages:new' && isNote((event.data as EventDataByTrigger['messages:new']).message)
  );
}

/**
 * Drops from `users` everyone the note rule keeps from notes. One read of their roles, for notes
 * only: an ordinary message's audience costs no statement more. Room keys are agents' alone.
 */
async function keepNoteReaders(tx: Tx, users: Set<string>): Promise<void> {
  if (users.size === 0) return;
  const rows = await tx
    .selectFrom('users')
    .select(['id', 'role'])
    .where('id', 'in', [...users])
    .execute();
  const readers = new Set(rows.filter((row) => seesNotes(row)).map((row) => row.id));
  for (const user of users) if (!readers.has(user)) users.delete(user);
}

/** Drops from `users` everyone who is not an agent (one read of their roles). */
async function keepAgents(tx: Tx, users: Set<string>): Promise<void> {
  if (users.size === 0) return;
  const rows = await tx
    .selectFrom('users')
    .select(['id', 'role'])
    .where('id', 'in', [...users])
    .execute();
  const agents = new Set(rows.filter((row) => row.role === 'agent').map((row) => row.id));
  for (const user of users) if (!agents.has(user)) users.delete(user);
}

type AudienceArgs = Record<string, string | number>;

/** One prepared multi-row insert per audience size up to 16 (most events have two or three keys). */
const audienceInserts = new Map<number, Prepared<AudienceArgs, unknown>>();
function audienceInsert(size: number): Prepared<AudienceArgs, unknown> {
  let found = audienceInserts.get(size);
  if (!found) {
    found = prepare<AudienceArgs, unknown>((db, arg) =>
      rtDb(db)
        .insertInto('realtimeAudience')
        .values(
          Array.from({ length: size }, (_, i) => ({
            appId: arg('appId') as string,
            key: arg(`k${i}`) as string,
            position: arg('position') as number,
            created: arg('created') as number,
          })),
        ),
    );
    audienceInserts.set(size, found);
  }
  return found;
}

/** Stores who hears the event at `position` (keys from audienceOf), in the event's transaction. */
export async function insertAudience(
  tx: Tx,
  appId: string,
  position: number,
  created: number,
  keys: readonly string[],
): Promise<void> {
  if (keys.length > 0 && keys.length <= 16) {
    const args: AudienceArgs = { appId, position, created };
    for (const [i, key] of keys.entries()) args[`k${i}`] = key;
    await audienceInsert(keys.length).run(tx, args);
  } else if (keys.length > 16) {
    await rtTx(tx)
      .insertInto('realtimeAudience')
      .values(keys.map((key) => ({ appId, key, position, created })))
      .execute();
  }
}
