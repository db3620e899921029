import type { Db, Tx } from '../store/database.ts';
import { rawQuery } from '../store/raw.ts';
import type { ChatRow, MessageRow } from '../store/schema.ts';

/**
 * PostgreSQL's statements of the send path (and of loadChat): the chat with its participants read in
 * one statement, and the chat's seq taken together with them and the message row. SQLite runs the
 * plain statements of statements.ts, which cost it no round trip.
 */

export type ChatWithParticipants = ChatRow & { participantIds: string[] };

const CHAT_WITH_PARTICIPANTS = `
select chats.*, array(
  select user_id from chat_users where chat_id = chats.id order by joined, user_id
) as participant_ids
from chats where id = ? and app_id = ?`;

/** PostgreSQL: the chat and its participants in one statement (one snapshot, so consistent). */
export async function chatWithParticipants(
  tx: Db | Tx,
  id: string,
  appId: string,
): Promise<ChatWithParticipants | undefined> {
  return (await rawQuery<ChatWithParticipants>(tx, CHAT_WITH_PARTICIPANTS, [id, appId])).rows[0];
}

// PostgreSQL: bumpSeqOfAppChat and the participants in one round trip. The participants come from
// the statement's snapshot, which may be older than the row lock when the UPDATE had to wait for
// another transaction: then that one may have changed them. Every participant change also updates
// the chat row (it starts with lockAny/lockOpen), so the row's version (xmin) tells: the UPDATE only
// applies to the version the snapshot saw — re-checked after any wait — and otherwise changes
// nothing, and the caller takes the two-statement way.
const BUMPED = `
with bumped as (
  update chats set last_seq = last_seq + 1, last_activity = ?
  where id = ? and app_id = ? and xmin = (select xmin from chats where id = ?)
  returning *
)`;
const WITH_PARTICIPANTS = `
select bumped.*, array(
  select user_id from chat_users where chat_id = bumped.id order by joined, user_id
) as participant_ids
from bumped`;
const BUMP_WITH_PARTICIPANTS = BUMPED + WITH_PARTICIPANTS;

// The send path's version: the message row goes in with the seq in the same statement, before the
// sender's checks; a send they refuse rolls it back with the rest (see sendMessage).
const BUMP_INSERT_WITH_PARTICIPANTS = `${BUMPED}, inserted as (
  insert into messages (id, app_id, chat_id, sender, type, body, seq, client_id, event_id, created, visibility)
  select ?::text, bumped.app_id, bumped.id, ?::text, ?::text, ?::text, bumped.last_seq, ?::text, ?::text, ?::bigint, ?::text
  from bumped
)${WITH_PARTICIPANTS}`;

/** PostgreSQL: the chat's next seq, its row lock and its participants; undefined: use the long way. */
export async function bumpSeqWithParticipants(
  tx: Tx,
  args: { id: string; appId: string; now: number },
): Promise<ChatWithParticipants | undefined> {
  const { rows } = await rawQuery<ChatWithParticipants>(tx, BUMP_WITH_PARTICIPANTS, [
    args.now,
    args.id,
    args.appId,
    args.id,
  ]);
  return rows[0];
}

/**
 * PostgreSQL: bumpSeqWithParticipants that also inserts `message` with the seq it hands out (its
 * `seq` and `chatId`/`appId` are the chat's); undefined: nothing written, use the long way.
 */
export async function bumpSeqInsertingMessage(
  tx: Tx,
  args: { id: string; appId: string; now: number },
  message: Omit<MessageRow, 'seq' | 'appId' | 'chatId'>,
): Promise<ChatWithParticipants | undefined> {
  const { rows } = await rawQuery<ChatWithParticipants>(tx, BUMP_INSERT_WITH_PARTICIPANTS, [
    args.now,
    args.id,
    args.appId,
    args.id,
    message.id,
    message.sender,
    message.type,
    message.body,
    message.clientId,
    message.eventId,
    message.created,
    message.visibility,
  ]);
  return rows[0];
}
