import { recordAudience } from '../realtime/audience.ts';
import type { Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import type { NewEvent, StoredEvent, Trigger } from './catalog.ts';

// Taking the app's next position locks its row until commit: positions commit in order.
const nextPosition = prepare<{ appId: string }, { eventPosition: number }>((db, arg) =>
  db
    .updateTable('apps')
    .set((eb) => ({ eventPosition: eb('eventPosition', '+', 1) }))
    .where('id', '=', arg('appId'))
    .returning('eventPosition'),
);

type EventRow = {
  id: string;
  appId: string;
  position: number;
  trigger: string;
  chatId: string | null;
  userId: string | null;
  data: string;
  created: number;
};

const insertEvent = prepare<EventRow, { seq: number }>((db, arg) =>
  db
    .insertInto('events')
    .values({
      id: arg('id'),
      appId: arg('appId'),
      position: arg('position'),
      trigger: arg('trigger'),
      chatId: arg('chatId'),
      userId: arg('userId'),
      data: arg('data'),
      created: arg('created'),
    })
    .returning('seq'),
);

/**
 * Appends one event row inside the caller's transaction; it commits (or not) with the change.
 * `participants`: the chat's participants as the caller read them in this transaction, if it did.
 */
export async function appendEvent<T extends Trigger>(
  tx: Tx,
  appId: string,
  event: NewEvent<T>,
  participants?: readonly string[],
): Promise<StoredEvent<T>> {
  const id = event.id ?? newId();
  const created = nowSeconds();
  const { eventPosition: position } = await nextPosition.one(tx, { appId });
  const chatId = event.chatId ?? null;
  const userId = event.userId ?? null;
  const { seq } = await insertEvent.one(tx, {
    id,
    appId,
    position,
    trigger: event.trigger,
    chatId,
    userId,
    data: JSON.stringify(event.data),
    created,
  });
  // Who hears it on the realtime stream, stored with it (server/src/realtime/audience.ts).
  const audience = await recordAudience(tx, appId, position, created, event as NewEvent, participants);
  return {
    seq,
    position,
    id,
    appId,
    trigger: event.trigger,
    chatId,
    userId,
    data: event.data,
    created,
    audience,
  };
}
