import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { downloadMedia, listMedia, uploadMedia } from '../../media/media.ts';
import { ApiError, badRequest } from '../../util/errors.ts';
import { actorOf, appOf } from '../auth.ts';
import { Id, IdParams, MediaSchema, MessageSchema, Next, Paging, withErrors } from '../schemas.ts';
import type { Http, RouteDeps } from '../types.ts';

interface UploadParts {
  fields: Record<string, string>;
  file: { filename: string; mimetype: string; bytes: Buffer } | undefined;
}

const SEND_ONE_FILE = 'Send exactly one file, in the field "media"';

/**
 * Reads the multipart body: text fields and the one file. Parser failures become client errors:
 * busboy reports a malformed body (no boundary, cut short) as a plain Error, which would otherwise
 * surface as a 500; a second file trips the files limit, which is a bad request rather than "too large".
 */
async function readUpload(request: FastifyRequest, maxBytes: number): Promise<UploadParts> {
  const fields: Record<string, string> = {};
  let file: UploadParts['file'];
  try {
    const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024 } });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'media') {
          part.file.resume();
          throw badRequest(SEND_ONE_FILE, [{ field: part.fieldname, message: 'unexpected file' }]);
        }
        file = { filename: part.filename, mimetype: part.mimetype, bytes: await part.toBuffer() };
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
    if (error instanceof ApiError) throw error;
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

/**
 * Types a browser may render in place. Everything else (notably `image/svg+xml`, which `image/*` admits
 * and which can carry scripts) is served as an attachment under a sandboxing CSP, so an uploaded file
 * can never run script on the API's origin.
 */
const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'application/pdf',
]);

/** RFC 6266: an ASCII fallback name plus the exact UTF-8 name, so quotes or CR/LF can never break the header. */
function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** Files sent in chats; the bytes live in the store. */
export function mediaRoutes(http: Http, { ctx }: RouteDeps): void {
  http.post(
    '/media',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['media'],
        summary: 'Upload a file into a chat (multipart: chatId, senderId, media); fires messages:new',
        consumes: ['multipart/form-data'],
        response: withErrors(
          { 201: Type.Object({ media: MediaSchema, message: MessageSchema }) },
          [400, 401, 403, 404, 409, 413, 415],
        ),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      // A JSON or bare body here is the wrong content type (spec section 0: 415), not a bad field.
      if (!request.isMultipart())
        throw new ApiError(415, 'Expected multipart/form-data with chatId, senderId and media');
      const { fields, file } = await readUpload(request, actor.app.settings.media.maxBytes);
      if (!file) throw badRequest('The file is missing', [{ field: 'media', message: 'is required' }]);
      const chatId = fields.chatId;
      if (!chatId || !/^[0-9A-Za-z_-]{1,64}$/.test(chatId))
        throw badRequest('chatId is required', [{ field: 'chatId', message: 'is required' }]);
      const senderId = fields.senderId || undefined;
      const result = await uploadMedia(ctx, actor, { chatId, ...(senderId ? { senderId } : {}), ...file });
      return reply.code(201).send(result);
    },
  );

  http.get(
    '/media/:id',
    {
      config: { auth: ['secret', 'token'], queryCredentials: true },
      schema: {
        tags: ['media'],
        summary: 'Download a file (credentials may come as appId, token or secret query parameters)',
        params: IdParams,
        querystring: Type.Object(
          {
            appId: Type.Optional(Type.String()),
            token: Type.Optional(Type.String()),
            secret: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const row = await downloadMedia(ctx, actorOf(request), request.params.id);
      const inline = INLINE_TYPES.has(row.type);
      if (!inline) reply.header('content-security-policy', "default-src 'none'; sandbox");
      return reply
        .type(row.type)
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', row.name))
        .send(Buffer.from(row.bytes));
    },
  );

  http.get(
    '/media',
    {
      config: { auth: ['secret'] },
      schema: {
        tags: ['media'],
        summary: 'List files, optionally of one chat',
        querystring: Type.Object({ chatId: Type.Optional(Id), ...Paging }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ media: Type.Array(MediaSchema), next: Next }) }),
      },
    },
    async (request) => listMedia(ctx, appOf(request), request.query),
  );
}
