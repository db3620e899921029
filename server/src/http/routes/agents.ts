import { Type } from '@sinclair/typebox';
import { inRange, int } from '../../limits/ranges.ts';
import { requireAgentToken } from '../../policies/actor.ts';
import {
  agentsOnline,
  availableAgents,
  createAgent,
  getAgent,
  listAgents,
  loginAgent,
  logoutAgent,
  updateAgent,
} from '../../users/agents.ts';
import { badRequest } from '../../util/errors.ts';
import { actorOf, appOf } from '../auth.ts';
import {
  Id,
  IdParams,
  Lang,
  Next,
  Paging,
  RoomId,
  SessionSchema,
  Success,
  Text,
  UserSchema,
  withErrors,
} from '../schemas.ts';
import type { Http, RouteDeps } from '../types.ts';

const Rooms = Type.Array(RoomId, { maxItems: 1000 });
const Langs = Type.Array(Lang, { maxItems: 100 });
const MaxChats = int('maxChats');
const Password = Type.String({ minLength: 1, maxLength: 1024 });
export const Status = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]);

function integers(field: string, raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (!parts.every((p) => /^\d{1,10}$/.test(p) && inRange('roomId', Number(p))))
    throw badRequest(`${field} must be comma-separated room ids`, [
      { field, message: 'must be comma-separated room ids' },
    ]);
  // `?roomIds=` means absent (spec section 11), i.e. every room, not none.
  return parts.length > 0 ? parts.map(Number) : undefined;
}

/** Agents: the people who answer chats. */
export function agentRoutes(http: Http, { ctx }: RouteDeps): void {
  http.post(
    '/agents',
    {
      config: { auth: ['secret'] },
      schema: {
        tags: ['agents'],
        summary: 'Create an agent',
        body: Type.Object(
          {
            name: Text(200),
            nickname: Type.Optional(Text(200)),
            contact: Text(320),
            password: Password,
            rooms: Rooms,
            langs: Type.Optional(Langs),
            maxChats: Type.Optional(MaxChats),
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 201: Type.Object({ agent: UserSchema }) }, [400, 401, 403, 409]),
      },
    },
    async (request, reply) =>
      reply.code(201).send({ agent: await createAgent(ctx, appOf(request), request.body) }),
  );

  http.get(
    '/agents',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['agents'],
        summary: 'List agents',
        querystring: Type.Object(Paging, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ agents: Type.Array(UserSchema), next: Next }) }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      if (actor.user) requireAgentToken(actor);
      return listAgents(ctx, actor.app, request.query);
    },
  );

  http.get(
    '/agents/available',
    {
      config: { auth: ['secret', 'public', 'token'] },
      schema: {
        tags: ['agents'],
        summary: 'Agents with a free slot, per room',
        querystring: Type.Object(
          {
            roomIds: Type.Optional(Type.String({ maxLength: 2000 })),
            langs: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ agents: Type.Record(Type.String(), Type.Integer()) }) }),
      },
    },
    async (request) => {
      const langs = request.query.langs
        ?.split(',')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      return {
        agents: await availableAgents(ctx, appOf(request), {
          roomIds: integers('roomIds', request.query.roomIds),
          langs,
        }),
      };
    },
  );

  http.get(
    '/agents/online',
    {
      config: { auth: ['secret', 'public', 'token'] },
      schema: {
        tags: ['agents'],
        summary: 'Whether any agent is online (in a room)',
        querystring: Type.Object({ roomId: Type.Optional(RoomId) }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ agentsOnline: Type.Boolean() }) }),
      },
    },
    async (request) => ({ agentsOnline: await agentsOnline(ctx, appOf(request), request.query.roomId) }),
  );

  http.post(
    '/agents/login',
    {
      config: { auth: ['secret', 'public'] },
      schema: {
        tags: ['agents'],
        summary: 'Agent login: a session, and status online',
        body: Type.Object({ contact: Text(320), password: Password }, { additionalProperties: false }),
        response: withErrors(
          { 200: Type.Object({ user: UserSchema, session: SessionSchema }) },
          [400, 401, 403],
        ),
      },
    },
    async (request) => loginAgent(ctx, appOf(request), request.body),
  );

  http.post(
    '/agents/logout',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['agents'],
        summary: 'Log an agent out of some rooms, or all (status offline)',
        body: Type.Object(
          { agentId: Type.Optional(Id), rooms: Type.Optional(Rooms) },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Success }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      if (actor.user) requireAgentToken(actor);
      await logoutAgent(ctx, actor, request.body);
      return { success: true as const };
    },
  );

  http.get(
    '/agents/:id',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['agents'],
        summary: 'Get an agent',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ agent: UserSchema }) }),
      },
    },
    async (request) => ({ agent: await getAgent(ctx, actorOf(request), request.params.id) }),
  );

  http.put(
    '/agents/:id',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['agents'],
        summary: 'Change an agent (an agent itself: nickname, password and status only)',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Text(200)),
            nickname: Type.Optional(Text(200)),
            contact: Type.Optional(Text(320)),
            password: Type.Optional(Password),
            rooms: Type.Optional(Rooms),
            langs: Type.Optional(Langs),
            maxChats: Type.Optional(MaxChats),
            status: Type.Optional(Status),
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ agent: UserSchema }) }, [400, 401, 403, 404, 409]),
      },
    },
    async (request) => ({ agent: await updateAgent(ctx, actorOf(request), request.params.id, request.body) }),
  );
}
