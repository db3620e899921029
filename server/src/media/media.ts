import type { App } from '../apps/apps.ts';
import { chatFor, loadChat } from '../chats/access.ts';
import { lockOpenChat } from '../chats/locks.ts';
import { appendMessage } from '../chats/messages.ts';
import type { MediaRef, MessageView } from '../chats/present.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { isParticipant, mayOnChat, requireOpen } from '../policies/chats.ts';
import type { MediaRow } from '../store/schema.ts';
import { ApiError, forbidden, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, limitOf, type PageQuery, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';

export interface MediaView extends MediaRef {
  chatId: string;
  sender: string;
  created: number;
}

function ref(row: Pick<MediaRow, 'id' | 'type' | 'name' | 'size'>): MediaRef {
  return { id: row.id, url: `/media/${row.id}`, type: row.type, name: row.name, size: row.size };
}

export function presentMedia(row: Omit<MediaRow, 'bytes'>): MediaView {
  return { ...ref(row), chatId: row.chatId, sender: row.sender, created: row.created };
}

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** `image/*` style patterns of `media.allowedTypes`. */
export function typeAllowed(allowed: string[], type: string): boolean {
  const [major] = type.split('/');
  return allowed.some(
    (pattern) => pattern === type || (pattern.endsWith('/*') && pattern.slice(0, -2) === major),
  );
}

export interface Upload {
  chatId: string;
  senderId?: string;
  filename: string;
  mimetype: string;
  bytes: Buffer;
}

/** POST /media — stores the bytes in the store (so every node can serve them) and posts a media message. */
export async function uploadMedia(
  ctx: Ctx,
  actor: Actor,
  upload: Upload,
): Promise<{ media: MediaView; message: MessageView }> {
  const chat = await chatFor(ctx, actor, upload.chatId, 'participate');
  let sender: string;
  if (actor.user) {
    if (upload.senderId !== undefined && upload.senderId !== actor.user.id)
      throw forbidden('senderId must be your own user id');
    sender = actor.user.id;
  } else {
    if (upload.senderId === undefined) {
      throw new ApiError(400, 'senderId is required', [{ field: 'senderId', message: 'is required' }]);
    }
    sender = upload.senderId;
    if (!isParticipant(chat, sender)) throw forbidden('The sender is not in this chat');
  }
  requireOpen(chat);
  const { media } = actor.app.settings;
  const type = upload.mimetype.toLowerCase().split(';')[0]!.trim();
  // The type is echoed later as a Content-Type header: only a plain `type/subtype` token may pass
  // (`image/*` would otherwise admit e.g. `image/png,text/html`).
  if (!MIME_TYPE.test(type) || !typeAllowed(media.allowedTypes, type))
    throw forbidden('File type is not allowed');
  if (upload.bytes.length > media.maxBytes)
    throw new ApiError(413, `File is larger than ${media.maxBytes} bytes`);
  const row: MediaRow = {
    id: newId(),
    appId: actor.app.id,
    chatId: chat.row.id,
    sender,
    // Control characters (a tab, DEL or \x01 pass through the quoted filename as raw bytes) are dropped:
    // they would only garble the name shown in chats and echoed in content-disposition.
    name:
      Array.from(upload.filename.replace(/\p{Cc}/gu, ''))
        .slice(0, 255)
        .join('') || 'file',
    type,
    size: upload.bytes.length,
    bytes: upload.bytes,
    created: nowSeconds(),
  };
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    await lockOpenChat(tx, chat.row.id);
    await tx.insertInto('media').values(row).execute();
    const { message } = await appendMessage(tx, emit, chat.row, { sender, type: 'media', body: ref(row) });
    return { media: presentMedia(row), message };
  });
}

/** GET /media/{id} — the bytes, for the app or anyone who may see the chat. */
export async function downloadMedia(ctx: Ctx, actor: Actor, id: string): Promise<MediaRow> {
  const row = await ctx.store.db
    .selectFrom('media')
    .selectAll()
    .where('id', '=', id)
    .where('appId', '=', actor.app.id)
    .executeTakeFirst();
  if (!row) throw notFound('Media not found');
  if (actor.user) {
    const chat = await loadChat(ctx.store.db, actor.app.id, row.chatId);
    if (!mayOnChat(actor, chat, 'view')) throw notFound('Media not found');
  }
  return row;
}

export async function listMedia(
  ctx: Ctx,
  app: App,
  query: PageQuery & { chatId?: string | undefined },
): Promise<{ media: MediaView[]; next: string | null }> {
  const limit = limitOf(query);
  const after = decodeCursor(query.cursor);
  let q = ctx.store.db
    .selectFrom('media')
    .select(['id', 'appId', 'chatId', 'sender', 'name', 'type', 'size', 'created'])
    .where('appId', '=', app.id);
  if (query.chatId !== undefined) q = q.where('chatId', '=', query.chatId);
  if (after !== undefined) q = q.where('id', '>', after);
  const rows = await q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const { items, next } = page(rows, limit);
  return { media: items.map(presentMedia), next };
}
