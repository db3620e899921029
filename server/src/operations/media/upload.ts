import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Ctx } from '../../events/context.ts';
import { discardChunks, writeChunks } from '../../media/chunks.ts';
import { allowedType, type Upload, uploadMedia } from '../../media/media.ts';
import type { Actor } from '../../policies/actor.ts';
import { badRequest, DomainError, tooLarge, unsupportedMedia } from '../../util/errors.ts';
import { newId } from '../../util/ids.ts';
import { Media } from '../../wire/media.ts';
import { Message } from '../../wire/message.ts';
import { operation } from '../operation.ts';

const SEND_ONE_FILE = 'Send exactly one file, in the field "media"';

interface StoredFile {
  filename: string;
  mimetype: string;
  mediaId: string;
  size: number;
}

/**
 * Reads the multipart body: text fields and the one file, which streams into the store as it arrives
 * (media/chunks.ts; never held whole in memory). Parser failures become client errors:
 * busboy reports a malformed body (no boundary, cut short) as a plain Error, which would otherwise
 * surface as a 500; a second file trips the files limit, which is a bad request rather than "too large".
 */
async function readParts(request: FastifyRequest, actor: Actor, ctx: Ctx) {
  const maxBytes = actor.app.settings.media.maxBytes;
  const fields: Record<string, string> = {};
  let file: StoredFile | undefined;
  try {
    const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024 } });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'media') {
          part.file.resume();
          throw badRequest(SEND_ONE_FILE, [{ field: part.fieldname, message: 'unexpected file' }]);
        }
        // A type the app refuses is refused before a byte is stored.
        try {
          allowedType(actor.app, part.mimetype);
        } catch (error) {
          part.file.resume();
          throw error;
        }
        const mediaId = newId();
        const pace = (bytes: number) => ctx.rates.pace(actor.app.id, bytes);
        const size = await writeChunks(ctx.store.db, mediaId, part.file, pace);
        file = { filename: part.filename, mimetype: part.mimetype, mediaId, size };
        // busboy stops at the limit and marks the file cut: past `maxBytes`, nothing is kept.
        if (part.file.truncated) throw tooLarge(`File is larger than ${maxBytes} bytes`);
      } else if (typeof part.value === 'string') {
        // busboy cuts an over-long field silently; a cut id would be judged as some other id.
        if (part.valueTruncated)
          throw badRequest(`${part.fieldname} is too long`, [
            { field: part.fieldname, message: 'is too long' },
          ]);
        fields[part.fieldname] = part.value;
      }
    }
  } catch (error) {
    if (file) await discardChunks(ctx.store.db, file.mediaId);
    if (error instanceof DomainError) throw error;
    const code = (error as { code?: unknown }).code;
    const status = (error as { statusCode?: unknown }).statusCode;
    // Count limits are about the shape of the form, not its size: 400, not the plugin's 413.
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') throw badRequest('Too many form fields');
    if (code === 'FST_FILES_LIMIT')
      throw badRequest(SEND_ONE_FILE, [{ field: 'media', message: 'one file only' }]);
    // 406 is what the plugin uses for an unparsable JSON field; for us that is a bad request.
    if (typeof status === 'number' && status >= 400 && status < 500 && status !== 406) throw error;
    throw badRequest(`Malformed multipart body: ${(error as Error).message}`);
  }
  return { fields, file };
}

/** Multipart, so not schema-validated: the form is read and checked here instead. */
export default operation({
  method: 'POST',
  path: '/media',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['media'],
  summary: 'Upload a file into a chat (multipart: chatId, senderId, media); fires messages:new',
  consumes: ['multipart/form-data'],
  rate: 'uploads',
  status: 201,
  response: Type.Object({ media: Media, message: Message }),
  errors: [400, 401, 403, 404, 409, 413, 415],
  read: async (request, actor, ctx) => {
    // A JSON or bare body here is the wrong content type (docs/conventions.md: 415), not a bad field.
    if (!request.isMultipart())
      throw unsupportedMedia('Expected multipart/form-data with chatId, senderId and media');
    const { fields, file } = await readParts(request, actor, ctx);
    const refuse = async (error: DomainError) => {
      if (file) await discardChunks(ctx.store.db, file.mediaId);
      throw error;
    };
    if (!file) throw badRequest('The file is missing', [{ field: 'media', message: 'is required' }]);
    const chatId = fields.chatId;
    if (!chatId || !/^[0-9A-Za-z_-]{1,64}$/.test(chatId))
      return refuse(badRequest('chatId is required', [{ field: 'chatId', message: 'is required' }]));
    const senderId = fields.senderId || undefined;
    const body: Upload = { chatId, ...(senderId ? { senderId } : {}), ...file };
    return { params: undefined, query: undefined, body };
  },
  run: (ctx, actor, { body }) => uploadMedia(ctx, actor, body as Upload),
});
