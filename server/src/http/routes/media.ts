import { Type } from '@sinclair/typebox';
import { badRequest } from '../../errors.ts';
import { downloadMedia, listMedia, uploadMedia } from '../../media/media.ts';
import { actorOf, appOf } from '../auth.ts';
import { Id, IdParams, MediaSchema, MessageSchema, withErrors } from '../schemas.ts';
import type { Http, RouteDeps } from '../types.ts';

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
      if (!request.isMultipart())
        throw badRequest('Expected multipart/form-data with chatId, senderId and media');
      const fields: Record<string, string> = {};
      let file: { filename: string; mimetype: string; bytes: Buffer } | undefined;
      const parts = request.parts({
        limits: { fileSize: actor.app.settings.media.maxBytes, files: 1, fields: 10, fieldSize: 1024 },
      });
      for await (const part of parts) {
        if (part.type === 'file') {
          if (part.fieldname !== 'media' || file) {
            part.file.resume();
            throw badRequest('Send exactly one file, in the field "media"', [
              { field: part.fieldname, message: 'unexpected file' },
            ]);
          }
          file = { filename: part.filename, mimetype: part.mimetype, bytes: await part.toBuffer() };
        } else if (typeof part.value === 'string') {
          fields[part.fieldname] = part.value;
        }
      }
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
      const inline = row.type.startsWith('image/') || row.type === 'application/pdf';
      return reply
        .type(row.type)
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-disposition',
          `${inline ? 'inline' : 'attachment'}; filename="${encodeURIComponent(row.name)}"`,
        )
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
        querystring: Type.Object({ chatId: Type.Optional(Id) }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ media: Type.Array(MediaSchema) }) }),
      },
    },
    async (request) => ({ media: await listMedia(ctx, appOf(request), request.query.chatId) }),
  );
}
