import type { App } from '../apps/apps.ts';
import { type RoomStatus, roomStatus } from '../apps/opening-hours.ts';
import { readTimetable } from '../apps/timetable-store.ts';
import type { Emit } from '../events/commit.ts';
import type { Tx } from '../store/database.ts';
import type { ChatRow } from '../store/schema.ts';
import { createTicketOnClose } from '../tickets/tickets.ts';
import { scheduleTimer } from '../timers/timers.ts';
import { type Chat as ChatView, presentChat } from '../wire/chat.ts';
import { closeIfOpen } from './close.ts';
import { updateChatRow } from './statements.ts';

/**
 * A chat opened while its room is closed (docs/routing.md, "Opening hours"). In a `ticket` room it
 * becomes a ticket at once; in a `queue` room it waits, unrouted, for the `opening` timer that
 * routing's handler (routing/opening.ts) runs at the room's next opening.
 */

export const OPENING_TIMER = 'opening';
/** A queue room that never opens again is looked at once a day (a new timetable wakes it at once). */
const RECHECK_MS = 86_400_000;

export type OffHoursMode = 'queue' | 'ticket';

export function offHoursMode(app: App, room: number): OffHoursMode {
  return app.settings.rooms.find((r) => r.id === room)?.offHours ?? 'ticket';
}

/** The room's status now, or undefined while it is open. */
export async function closedRoom(
  tx: Tx,
  app: App,
  room: number,
  now = Date.now(),
): Promise<RoomStatus | undefined> {
  const status = roomStatus(await readTimetable(tx, app.id), room, now);
  return status.open ? undefined : status;
}

/** Arms (or moves) the chat's `opening` timer to the room's next opening. */
export async function waitForOpening(tx: Tx, app: App, chatId: string, status: RoomStatus): Promise<void> {
  const due = status.nextOpen !== null ? status.nextOpen * 1000 : Date.now() + RECHECK_MS;
  await scheduleTimer(tx, { kind: OPENING_TIMER, ref: chatId, appId: app.id, due });
}

/** After `chats:create` (which said `offHours: true`): the ticket now, or the wait for the opening. */
export async function openOffHours(
  tx: Tx,
  emit: Emit,
  app: App,
  row: ChatRow,
  view: ChatView,
  status: RoomStatus,
): Promise<ChatView> {
  if (offHoursMode(app, row.room) === 'queue') {
    await waitForOpening(tx, app, row.id, status);
    return view;
  }
  const closed = await closeIfOpen(tx, emit, app, row.id, 'system', { reason: 'off-hours' });
  if (closed === 'closed') return view;
  let chat = closed.row;
  // The ticket is the point of a `ticket` room: it is made even when tickets.createOnClose is off.
  if (chat.ticketId === null) {
    const ticketId = await createTicketOnClose(tx, chat, emit);
    await updateChatRow(tx, chat.id, { ticketId });
    chat = { ...chat, ticketId };
  }
  return { ...presentChat(chat, closed.users), offHours: true };
}
