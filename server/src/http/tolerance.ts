import type { FastifyInstance } from 'fastify';
import { badRequest, unsupportedMedia } from '../util/errors.ts';

/**
 * What connectors send (docs/conventions.md, Tolerance): JSON bodies that are empty, and `null` or `""`
 * standing for "absent". Both are normalised before validation, so handlers see one shape.
 */
export function installTolerance(app: FastifyInstance): void {
  // Fastify's own parser (secure-json-parse: `__proto__` and `constructor.prototype` keys are refused),
  // wrapped so that an empty or blank body means "no body" instead of an error.
  const strictJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    strictJson(request, text, done);
  });

  // Any other content type (text/plain included, which Fastify would otherwise hand over as a string
  // and so turn into a confusing "body must be object") is a 415 — unless the body is empty: a client
  // that labels a bodiless POST/PUT/DELETE with some type still means "no body". This catch-all also
  // receives bodies sent with no Content-Type at all.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (bytes.toString('utf8').trim() === '') return done(null, undefined);
    const type = request.headers['content-type'];
    done(
      unsupportedMedia(
        type
          ? `Unsupported content type ${type.split(';')[0]}: send application/json`
          : 'A body needs a Content-Type: send application/json',
      ),
      undefined,
    );
  });

  app.addHook('preValidation', async (request) => {
    // An empty query value is an absent one (`?roomId=` = no roomId), like `""` in a body.
    const query = request.query as Record<string, unknown> | undefined;
    if (query && typeof query === 'object') {
      for (const [key, value] of Object.entries(query)) if (value === '') delete query[key];
    }
    screenInput('query', request.query);
    screenInput('params', request.params);
    screenInput('body', request.body);
    const hasBodySchema = Boolean(request.routeOptions.schema?.body);
    // The multipart plugin accepts multipart bodies on every route and leaves them unread; a JSON
    // route must not mistake that for "no body" and act on defaults.
    if (hasBodySchema && request.isMultipart()) throw unsupportedMedia('Expected application/json');
    if (request.body === undefined || request.body === null) {
      if (hasBodySchema) request.body = {};
      return;
    }
    if (typeof request.body === 'object' && !Array.isArray(request.body) && !Buffer.isBuffer(request.body)) {
      const body = request.body as Record<string, unknown>;
      for (const [key, value] of Object.entries(body)) {
        if (value === null || value === '') delete body[key];
      }
    }
  });
}

/** How deep a request's JSON may nest (objects and arrays); our own shapes need four levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Two things no route can store, refused everywhere with a 400 naming the field rather than failing
 * deep in the store: U+0000 (chat text has no use for it, and PostgreSQL cannot hold it in text
 * columns), and JSON nested deeper than MAX_JSON_DEPTH (thousands of levels fit in a few KB and
 * would overflow the stack of any recursive walk). The walk is iterative for that reason.
 */
export function screenInput(part: string, value: unknown): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (item.value.includes('\u0000')) nulError(item.path || part);
      continue;
    }
    if (item.value === null || typeof item.value !== 'object' || Buffer.isBuffer(item.value)) continue;
    const field = item.path || part;
    if (item.depth >= MAX_JSON_DEPTH)
      throw badRequest(`Invalid ${field}: nested deeper than ${MAX_JSON_DEPTH} levels`, [
        { field, message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` },
      ]);
    for (const [key, inner] of Object.entries(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      if (key.includes('\u0000')) nulError(path);
      stack.push({ value: inner, path, depth: item.depth + 1 });
    }
  }
}

function nulError(field: string): never {
  throw badRequest(`Invalid ${field}: must not contain NUL characters`, [
    { field, message: 'must not contain NUL characters' },
  ]);
}
