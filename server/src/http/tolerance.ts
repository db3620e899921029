import type { FastifyInstance } from 'fastify';

/**
 * What HyperChat connectors send (spec section 11): JSON bodies that are empty, and `null` or `""`
 * standing for "absent". Both are normalised before validation, so handlers see one shape.
 */
export function installTolerance(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const error = new SyntaxError('Body is not valid JSON');
      done(error, undefined);
    }
  });

  app.addHook('preValidation', async (request) => {
    const hasBodySchema = Boolean(request.routeOptions.schema?.body);
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
