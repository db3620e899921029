import type { ServerOptions } from 'node:http';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifySchema, type FastifyServerOptions } from 'fastify';
import type { Ctx } from '../events/context.ts';
import type { Throttle } from '../limits/throttle.ts';
import { mountOperations } from '../operations/registry.ts';
import { newId } from '../util/ids.ts';
import type { Webhooks } from '../webhooks/service.ts';
import { ErrorResponse } from '../wire/error.ts';
import { buildAsyncApi } from './asyncapi.ts';
import { installAuth } from './auth.ts';
import { answerClientError } from './client-errors.ts';
import { installCors } from './cors.ts';
import { installErrorHandling, sendError } from './errors.ts';
import { withRedaction } from './log-redaction.ts';
import { DOCS_CSP, setPageHeaders } from './page-headers.ts';
import { installSurveyPage } from './survey-page.ts';
import { installThrottle } from './throttle.ts';
import { installTolerance } from './tolerance.ts';
import type { Http } from './types.ts';
import { installValidation } from './validation.ts';
import { installWeb } from './web.ts';

export const BODY_LIMIT = 1024 * 1024;

export interface HttpOptions {
  ctx: Ctx;
  adminKey: string;
  version: string;
  logger: FastifyServerOptions['logger'];
  /** Webhook registration and the delivery log (docs/webhooks.md). */
  webhooks: Webhooks;
  /** Seconds a whole request, and its headers, may take to arrive (docs/limits.md). */
  timeouts: { request: number; headers: number };
  /** Failed logins and wrong credentials, counted and refused past their limits (docs/security.md). */
  throttle: Throttle;
}

/** The HTTP face of Switchboard: every route of docs/api.md under /v1, plus /docs. */
export async function buildHttp(options: HttpOptions): Promise<Http> {
  const http = Fastify({
    logger: withRedaction(options.logger),
    bodyLimit: BODY_LIMIT,
    ...socketTimeouts(options.timeouts),
    // What Node's HTTP parser refuses (431, bad framing, timeouts) leaves in the envelope too.
    clientErrorHandler: answerClientError,
    routerOptions: { ignoreTrailingSlash: true },
    requestIdHeader: 'x-request-id',
    genReqId: () => newId(),
    // Shutdown answers 503 itself (server.ts), in the error envelope.
    return503OnClosing: false,
    // The router's own refusals (bad URL encoding, over-long ids) leave in the error envelope too.
    frameworkErrors: (error, _request, reply) => {
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 404 : 400;
      const message = status === 404 ? 'Not found: a path parameter is too long' : 'The URL is not valid';
      sendError(reply, status, message);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandling(http);
  installValidation(http);
  installTolerance(http);
  installAuth(http, options.ctx, options.adminKey, options.throttle);
  installThrottle(http, options.throttle);
  installCors(http);
  http.addSchema(ErrorResponse);
  http.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // No answer is ever sniffed into another type (an upload as HTML, JSON as a script).
    reply.header('x-content-type-options', 'nosniff');
  });

  await http.register(multipart, { limits: { fileSize: 100 * 1024 * 1024, files: 1 } });
  await http.register(swagger, {
    transform: documentRoute,
    transformObject: (document) =>
      markOptionalBodies((document as { openapiObject: OpenApiDocument }).openapiObject),
    openapi: {
      info: {
        title: 'Switchboard API',
        version: options.version,
        description:
          'Live chat server: chats, queues, invitations, realtime events and signed webhooks. ' +
          'The two WebSockets (`/v1/ws`, `/v1/stream`), their events and requests: ' +
          '[AsyncAPI document](/v1/asyncapi.json).',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          appId: { type: 'apiKey', in: 'header', name: 'x-hyper-appid' },
          secret: { type: 'apiKey', in: 'header', name: 'x-hyper-secret' },
          domainKey: { type: 'apiKey', in: 'header', name: 'x-hyper-key' },
          token: { type: 'apiKey', in: 'header', name: 'x-hyper-token' },
          admin: { type: 'apiKey', in: 'header', name: 'x-hyper-admin' },
        },
      },
    },
  });
  await http.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    // The page headers of docs/security.md (Headers), on the page and its files alike.
    staticCSP: DOCS_CSP,
    uiHooks: {
      onRequest: async (_request, reply) => {
        setPageHeaders(reply, DOCS_CSP);
      },
    },
  });

  await http.register(
    async (v1) => {
      // Every operation of operations/catalog.ts, in catalog order (the order of the OpenAPI document).
      mountOperations(v1, options.ctx, { version: options.version, webhooks: options.webhooks });
      v1.get('/openapi.json', { schema: { hide: true } }, async () => http.swagger());
      // Built on first request: most nodes are never asked for it.
      let asyncApi: Record<string, unknown> | undefined;
      v1.get('/asyncapi.json', { schema: { hide: true } }, async () => {
        asyncApi ??= buildAsyncApi(options.version);
        return asyncApi;
      });
    },
    { prefix: '/v1' },
  );
  await installWeb(http, options.ctx);
  await installSurveyPage(http, options.ctx);
  return http;
}

/**
 * A request must arrive whole within `request` seconds, its headers within `headers` (slow bodies
 * and slow headers would otherwise hold a socket for ever: Fastify switches Node's request timeout
 * off by default). Node checks them on a timer; it runs often enough to cut within a quarter of the
 * headers timeout.
 */
function socketTimeouts(timeouts: HttpOptions['timeouts']): { requestTimeout: number; http: ServerOptions } {
  const headersMs = timeouts.headers * 1000;
  return {
    requestTimeout: timeouts.request * 1000,
    http: {
      headersTimeout: headersMs,
      connectionsCheckingInterval: Math.min(5000, Math.max(100, Math.floor(headersMs / 4))),
    },
  };
}

/**
 * OpenAPI fix-ups the route schemas cannot say: bodies that are optional as a whole (docs/conventions.md)
 * are not marked required, and the multipart upload gets its form fields documented.
 */
function documentRoute({ schema, url }: { schema: FastifySchema; url: string }): {
  schema: FastifySchema;
  url: string;
} {
  if (!schema || (schema as { hide?: boolean }).hide) return { schema, url };
  const transformed: FastifySchema & { consumes?: readonly string[] } = { ...schema };
  if (url === '/v1/media' && transformed.consumes?.includes('multipart/form-data')) {
    transformed.body = {
      type: 'object',
      required: ['chatId', 'media'],
      properties: {
        chatId: { type: 'string', description: 'The chat the file is sent in' },
        senderId: { type: 'string', description: 'The sender (required with the app secret)' },
        media: { type: 'string', format: 'binary', description: 'The file' },
      },
    };
  }
  return { schema: transformed, url };
}

interface OpenApiDocument {
  paths?: Record<
    string,
    Record<
      string,
      { requestBody?: { required?: boolean; content?: Record<string, { schema?: { required?: string[] } }> } }
    >
  >;
}

/** A body none of whose fields is required may be left out entirely (docs/conventions.md): say so. */
function markOptionalBodies(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const body = operation.requestBody;
      if (!body?.content) continue;
      const schemas = Object.values(body.content).map((c) => c.schema);
      if (schemas.every((schema) => !schema?.required || schema.required.length === 0)) body.required = false;
    }
  }
  return document;
}
