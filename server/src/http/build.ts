import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { Ctx } from '../context.ts';
import { newId } from '../util/ids.ts';
import { installAuth } from './auth.ts';
import { installErrorHandling } from './errors.ts';
import { agentRoutes } from './routes/agents.ts';
import { appRoutes } from './routes/apps.ts';
import { chatRoutes } from './routes/chats.ts';
import { mediaRoutes } from './routes/media.ts';
import { messageRoutes } from './routes/messages.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { userRoutes } from './routes/users.ts';
import { ErrorResponse } from './schemas.ts';
import { installTolerance } from './tolerance.ts';
import type { Http, RouteDeps } from './types.ts';
import { installValidation } from './validation.ts';

export const BODY_LIMIT = 1024 * 1024;

export interface HttpOptions {
  ctx: Ctx;
  adminKey: string;
  version: string;
  logger: FastifyServerOptions['logger'];
}

/** The HTTP face of Switchboard: every route of spec section 3 under /v1, plus /docs. */
export async function buildHttp(options: HttpOptions): Promise<Http> {
  const http = Fastify({
    logger: options.logger,
    bodyLimit: BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true },
    requestIdHeader: 'x-request-id',
    genReqId: () => newId(),
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandling(http);
  installValidation(http);
  installTolerance(http);
  installAuth(http, options.ctx, options.adminKey);
  http.addSchema(ErrorResponse);
  http.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await http.register(multipart, { limits: { fileSize: 100 * 1024 * 1024, files: 1 } });
  await http.register(swagger, {
    openapi: {
      info: {
        title: 'Switchboard API',
        version: options.version,
        description: 'Live chat server: chats, queues, invitations, realtime events and signed webhooks.',
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
  });

  const deps: RouteDeps = { ctx: options.ctx, version: options.version };
  await http.register(
    async (v1) => {
      const api = v1.withTypeProvider<TypeBoxTypeProvider>();
      appRoutes(api, deps);
      userRoutes(api, deps);
      agentRoutes(api, deps);
      chatRoutes(api, deps);
      messageRoutes(api, deps);
      mediaRoutes(api, deps);
      ticketRoutes(api, deps);
      api.get('/openapi.json', { schema: { hide: true } }, async () => http.swagger());
    },
    { prefix: '/v1' },
  );
  return http;
}
