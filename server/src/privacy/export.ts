import type { Static } from '@sinclair/typebox';
import type { App } from '../apps/apps.ts';
import { type AuditBy, recordAudit } from '../audit/audit.ts';
import { listHistoryEntries } from '../chats/history.ts';
import type { Ctx } from '../events/context.ts';
import { END_USER, visibleFor } from '../events/notes.ts';
import { responseOfChat } from '../surveys/statements.ts';
import { presentUsers } from '../users/present.ts';
import { requireUser } from '../users/users.ts';
import { conflict } from '../util/errors.ts';
import { decodeCursor, limitOf, type PageQuery, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { presentChat } from '../wire/chat.ts';
import type { UserExport } from '../wire/export.ts';
import { presentMedia } from '../wire/media.ts';
import { presentMessage } from '../wire/message.ts';
import { presentSurveyResponse } from '../wire/surveys.ts';
import { presentTicket } from '../wire/ticket.ts';

/**
 * Everything stored about an end user, as the user may see it: the profile, and its chats page by
 * page with their messages (never internal notes), imported bot history, files (references: the bytes
 * are at `GET /media/{id}`) and tickets (whose transcripts hold no notes either). Large histories come
 * in pages of chats (`?limit=` default 50, `?cursor=`). Each page read is an entry of the audit log.
 */
export async function exportUser(
  ctx: Ctx,
  app: App,
  id: string,
  query: PageQuery,
  by: AuditBy,
): Promise<Static<typeof UserExport>> {
  const db = ctx.store.db;
  const user = await requireUser(db, app.id, id);
  if (user.role !== 'user')
    throw conflict('This user is an agent: GET /v1/users/{id}/export exports end users');
  const limit = limitOf(query);
  const after = decodeCursor(query.cursor) ?? '';
  const rows = await db
    .selectFrom('chats')
    .selectAll()
    .where('appId', '=', app.id)
    .where('creator', '=', id)
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const { items, next } = page(rows, limit);
  const chats = [];
  for (const row of items) {
    const [participants, messages, media, tickets, survey] = await Promise.all([
      db.selectFrom('chatUsers').select('userId').where('chatId', '=', row.id).execute(),
      db
        .selectFrom('messages')
        .selectAll()
        .where('chatId', '=', row.id)
        .where('visibility', 'in', visibleFor(END_USER))
        .orderBy('seq')
        .execute(),
      db
        .selectFrom('media')
        .select(['id', 'appId', 'chatId', 'sender', 'name', 'type', 'size', 'created', 'erased'])
        .where('chatId', '=', row.id)
        .orderBy('id')
        .execute(),
      db.selectFrom('tickets').selectAll().where('chatId', '=', row.id).orderBy('id').execute(),
      responseOfChat(db, app.id, row.id),
    ]);
    chats.push({
      chat: presentChat(
        row,
        participants.map((p) => p.userId),
      ),
      messages: messages.map(presentMessage),
      history: await listHistoryEntries(db, row.id),
      media: media.map(presentMedia),
      tickets: tickets.map(presentTicket),
      survey: survey ? presentSurveyResponse(survey) : null,
    });
  }
  const [view] = await presentUsers(db, [user], app.settings);
  await recordAudit(db, { appId: app.id, by, action: 'users.export', target: { type: 'user', id } });
  return { user: view!, exported: nowSeconds(), chats, next };
}
