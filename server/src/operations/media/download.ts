import { Type } from '@sinclair/typebox';
import { downloadMedia } from '../../media/media.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

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

export default operation({
  method: 'GET',
  path: '/media/:id',
  auth: ['secret', 'token'],
  queryCredentials: true,
  caller: 'actor',
  tags: ['media'],
  summary: 'Download a file (credentials may come as appId, token or secret query parameters)',
  params: IdParams,
  query: Type.Object(
    {
      appId: Type.Optional(Type.String()),
      token: Type.Optional(Type.String()),
      secret: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  status: 200,
  errors: [400, 401, 403, 404, 410],
  run: (ctx, actor, { params }) => downloadMedia(ctx, actor, params.id),
  // The bytes themselves, with headers that keep a browser from running them.
  // Streamed from the store a few chunks at a time, as fast as the client reads (media/chunks.ts).
  send: (reply, { row, bytes }) => {
    const inline = INLINE_TYPES.has(row.type);
    if (!inline) reply.header('content-security-policy', "default-src 'none'; sandbox");
    return reply
      .type(row.type)
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', row.name))
      .header('content-length', String(row.size))
      .send(bytes);
  },
});
