import { recordAudience } from '../realtime/audience.ts';
import type { Tx } from '../store/database.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import type { NewEvent, StoredEvent, Trigger } from './catalog.ts';

/** Appends one event row inside the caller's transaction; it commits (or not) with the change. */
export async function appendEvent<T extends Trigger>(
  tx: Tx,
  appId: string,
  event: NewEvent<T>,
): Promise<StoredEvent<T>> {
  const id = event.id ?? newId();
  const created = nowSeconds();
  // Taking the app's next position locks its row until commit: positions commit in order.
  const { eventPosition: position } = await tx
    .updateTable('apps')
    .set((eb) => ({ eventPosition: eb('eventPosition', '+', 1) }))
    .where('id', '=', appId)
    .returning('eventPosition')
    .executeTakeFirstOrThrow();
  const row = await tx
    .insertInto('events')
    .values({
      id,
      appId,
      position,
      trigger: event.trigger,
      chatId: event.chatId ?? null,
      userId: event.userId ?? null,
      data: JSON.stringify(event.data),
      created,
    })
    .returning('seq')
    .executeTakeFirstOrThrow();
  // Who hears it on the realtime stream, stored with it (server/src/realtime/audience.ts).
  const audience = await recordAudience(tx, appId, position, created, event as NewEvent);
  return {
    seq: row.seq,
    position,
    id,
    appId,
    trigger: event.trigger,
    chatId: event.chatId ?? null,
    userId: event.userId ?? null,
    data: event.data,
    created,
    audience,
  };
}
