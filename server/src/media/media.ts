import type { Readable } from 'node:stream';
import type { App } from '../apps/apps.ts';
import { loadChat, lockedChatFor } from '../chats/access.ts';
import { appendMessage } from '../chats/messages.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { requireOpen } from '../policies/chats.ts';
import { mediaSender, requireMediaViewer } from '../policies/messages.ts';
import type { MediaRow } from '../store/schema.ts';
import { forbidden, gone, notFound, tooLarge } from '../util/errors.ts';
import { decodeCursor, limitOf, type PageQuery, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { type Media as MediaView, presentMedia, mediaRef as ref } from '../wire/media.ts';
import type { Message as MessageView } from '../wire/message.ts';
import { discardChunks, readChunks } from './chunks.ts';
import { insertMedia, mediaMetaOfApp, selectMedia } from './statements.ts';

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** `image/*` style patterns of `media.allowedTypes`. */
export function typeAllowed(allowed: string[], type: string): boolean {
  const [major] = type.split('/');
  return allowed.some(
    (pattern) => pattern === type || (pattern.endsWith('/*') && pattern.slice(0, -2) === major),
  );
}

/** An upload whose bytes are already in the store, as the chunks of `mediaId` (media/chunks.ts). */
export interface Upload {
  chatId: string;
  senderId?: string;
  filename: string;
  mimetype: string;
  mediaId: string;
  size: number;
}

/**
 * POST /media — the bytes are in the store already (so every node can serve them): adds the media row
 * and posts the media message; a refused upload's chunks are deleted.
 */
export async function uploadMedia(
  ctx: Ctx,
  actor: Actor,
  upload: Upload,
): Promise<{ media: MediaView; message: MessageView }> {
  try {
    return await commitChange(ctx, actor.app.id, async (tx, emit) => {
      const chat = await lockedChatFor(tx, actor, upload.chatId, 'participate');
      const sender = mediaSender(actor, chat, upload.senderId);
      requireOpen(chat);
      const row = mediaRow(actor.app, chat.row.id, sender, upload);
      await insertMedia(tx, row);
      const { message } = await appendMessage(tx, emit, chat.row, { sender, type: 'media', body: ref(row) });
      return { media: presentMedia(row), message };
    });
  } catch (error) {
    await discardChunks(ctx.store.db, upload.mediaId);
    throw error;
  }
}

/** The content type an upload is stored under, checked before any byte is written: 403 when not allowed. */
export function allowedType(app: App, mimetype: string): string {
  const type = mimetype.toLowerCase().split(';')[0]!.trim();
  // The type is echoed later as a Content-Type header: only a plain `type/subtype` token may pass
  // (`image/*` would otherwise admit e.g. `image/png,text/html`).
  if (!MIME_TYPE.test(type) || !typeAllowed(app.settings.media.allowedTypes, type))
    throw forbidden('File type is not allowed');
  return type;
}

/** The checked upload as a row: an allowed type, within the size limit, a clean file name. */
function mediaRow(app: App, chatId: string, sender: string, upload: Upload): MediaRow {
  const { media } = app.settings;
  const type = allowedType(app, upload.mimetype);
  if (upload.size > media.maxBytes) throw tooLarge(`File is larger than ${media.maxBytes} bytes`);
  return {
    id: upload.mediaId,
    appId: app.id,
    chatId,
    sender,
    // Control characters (a tab, DEL or \x01 pass through the quoted filename as raw bytes) are dropped:
    // they would only garble the name shown in chats and echoed in content-disposition.
    name:
      Array.from(upload.filename.replace(/\p{Cc}/gu, ''))
        .slice(0, 255)
        .join('') || 'file',
    type,
    size: upload.size,
    bytes: new Uint8Array(0),
    created: nowSeconds(),
    erased: null,
  };
}

/** GET /media/{id} — the file and its bytes as a stream (read as sent), for the app or anyone who may see the chat. */
export async function downloadMedia(
  ctx: Ctx,
  actor: Actor,
  id: string,
): Promise<{ row: Omit<MediaRow, 'bytes'>; bytes: Readable }> {
  const row = await mediaMetaOfApp(ctx.store.db, actor.app.id, id);
  if (!row) throw notFound('Media not found');
  if (actor.user) requireMediaViewer(actor, await loadChat(ctx.store.db, actor.app.id, row.chatId));
  if (row.erased !== null) throw gone('Media erased');
  const pace = (bytes: number) => ctx.rates.pace(actor.app.id, bytes);
  return { row, bytes: readChunks(ctx.store.db, row.id, pace) };
}

export async function listMedia(
  ctx: Ctx,
  app: App,
  query: PageQuery & { chatId?: string | undefined },
): Promise<{ media: MediaView[]; next: string | null }> {
  const limit = limitOf(query);
  const after = decodeCursor(query.cursor);
  const rows = await selectMedia(ctx.store.db, { appId: app.id, chatId: query.chatId, after, limit });
  const { items, next } = page(rows, limit);
  return { media: items.map(presentMedia), next };
}
