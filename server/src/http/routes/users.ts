import { Type } from '@sinclair/typebox';
import { reportActivity } from '../../presence/activity.ts';
import { createUser, getUser, issueToken, listUsers, updateUser } from '../../users/users.ts';
import { actorOf, appOf } from '../auth.ts';
import {
  ExtraInfo,
  Id,
  IdParams,
  Next,
  Paging,
  SessionSchema,
  Success,
  Text,
  UserSchema,
  withErrors,
} from '../schemas.ts';
import type { Http, RouteDeps } from '../types.ts';

const UserBody = Type.Object(
  {
    name: Type.Optional(Text(200)),
    contact: Type.Optional(Text(320)),
    externalId: Type.Optional(Text(200)),
    extraInfo: Type.Optional(ExtraInfo),
  },
  { additionalProperties: false },
);

export const ActivityBody = Type.Object(
  { chatId: Id, type: Type.Union([Type.Literal('writing'), Type.Literal('not-writing')]) },
  { additionalProperties: false },
);

/** End users: creation (with a first session), lookup, profile, tokens and typing. */
export function userRoutes(http: Http, { ctx }: RouteDeps): void {
  http.post(
    '/users',
    {
      config: { auth: ['secret', 'public'] },
      schema: {
        tags: ['users'],
        summary: 'Create an end user and a session for them',
        body: UserBody,
        response: withErrors(
          { 201: Type.Object({ user: UserSchema, session: SessionSchema }) },
          [400, 401, 403, 409],
        ),
      },
    },
    async (request, reply) => reply.code(201).send(await createUser(ctx, appOf(request), request.body)),
  );

  http.get(
    '/users',
    {
      config: { auth: ['secret'] },
      schema: {
        tags: ['users'],
        summary: 'List users and agents',
        querystring: Type.Object(
          {
            externalId: Type.Optional(Text(200)),
            role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('agent')])),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ users: Type.Array(UserSchema), next: Next }) }),
      },
    },
    async (request) => listUsers(ctx, appOf(request), { ...request.query, limit: request.query.limit ?? 50 }),
  );

  http.get(
    '/users/:id',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['users'],
        summary: 'Get a user',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ user: UserSchema }) }),
      },
    },
    async (request) => ({ user: await getUser(ctx, actorOf(request), request.params.id) }),
  );

  http.put(
    '/users/:id',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['users'],
        summary: 'Change a user (a token: only its own user)',
        params: IdParams,
        body: UserBody,
        response: withErrors({ 200: Type.Object({ user: UserSchema }) }, [400, 401, 403, 404, 409]),
      },
    },
    async (request) => ({ user: await updateUser(ctx, actorOf(request), request.params.id, request.body) }),
  );

  http.post(
    '/users/:id/token',
    {
      config: { auth: ['secret'] },
      schema: {
        tags: ['users'],
        summary: 'Issue a new session token for a user',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ session: SessionSchema }) }),
      },
    },
    async (request) => ({ session: await issueToken(ctx, appOf(request), request.params.id) }),
  );

  http.post(
    '/users/:id/activity',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['users'],
        summary: 'Report typing in a chat (fires users:activity)',
        params: IdParams,
        body: ActivityBody,
        response: withErrors({ 200: Success }, [400, 401, 403, 404, 409]),
      },
    },
    async (request) => {
      await reportActivity(ctx, actorOf(request), request.params.id, request.body);
      return { success: true as const };
    },
  );
}
