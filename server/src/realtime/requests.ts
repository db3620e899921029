import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { closeChat, createChat, getChat, joinChat, leaveChat, listChats } from '../chats/chats.ts';
import { importHistory } from '../chats/history.ts';
import { readMessage, sendMessage } from '../chats/messages.ts';
import type { Ctx } from '../events/context.ts';
import { Status } from '../http/routes/agents.ts';
import {
  ChatListQuery,
  CloseChatBody,
  CreateChatBody,
  History,
  SendMessageBody,
  UserIdBody,
} from '../http/routes/chats.ts';
import { ReadBody } from '../http/routes/messages.ts';
import { AnswerBody, AssignQuery } from '../http/routes/routing.ts';
import { ActivityBody } from '../http/routes/users.ts';
import { Id } from '../http/schemas.ts';
import { screenInput } from '../http/tolerance.ts';
import type { Actor } from '../policies/actor.ts';
import { reportActivity } from '../presence/activity.ts';
import { acceptInvitation, assignChat, rejectInvitation } from '../routing/invitations.ts';
import { updateAgent } from '../users/agents.ts';
import { ApiError, badRequest } from '../util/errors.ts';

/**
 * The client → server events of spec section 7. Each one validates its `data` with the schema of its
 * REST twin (the very same TypeBox objects, compiled with the same Ajv options: no type coercion,
 * unknown fields dropped, `null`/`""` meaning absent) and then calls the same command, so the checks,
 * the effects and the answer are those of the route. A path parameter of the route (`/chats/{id}`)
 * is a field of `data` here (`chatId`).
 */
interface RequestHandler {
  /** The JSON Schema of `data` (also what the fuzz suite generates frames from). */
  schema: TObject;
  validate: (data: unknown) => boolean;
  errors: () => ErrorObject[] | null | undefined;
  run: (ctx: Ctx, actor: Actor, data: never) => Promise<unknown>;
}

// The options of http/validation.ts for bodies: the same answers for the same input.
const ajv = new Ajv({
  removeAdditional: true,
  useDefaults: true,
  allErrors: true,
  strict: false,
  coerceTypes: false,
});

function withChatId<T extends TProperties>(schema: TObject<T>) {
  return Type.Object({ chatId: Id, ...schema.properties }, { additionalProperties: false });
}

function handler<S extends TObject>(
  schema: S,
  run: (ctx: Ctx, actor: Actor, data: Static<S>) => Promise<unknown>,
): RequestHandler {
  const validate = ajv.compile(schema);
  return { schema, validate: (data) => validate(data), errors: () => validate.errors, run };
}

/** Acting as oneself: a token's user, or (with the secret) the user the data names. */
function selfOr(actor: Actor, named: string | undefined, field: string): string {
  if (named !== undefined) return named;
  if (actor.user) return actor.user.id;
  throw badRequest(`${field} is required`, [{ field, message: 'is required' }]);
}

const ChatGetData = Type.Object(
  { chatId: Id, fields: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
const ActivityData = Type.Object(
  { ...ActivityBody.properties, userId: Type.Optional(Id) },
  { additionalProperties: false },
);
const ReadData = Type.Object({ messageId: Id, ...ReadBody.properties }, { additionalProperties: false });
const CloseData = Type.Object(
  { chatId: Id, userId: Type.Optional(Id), ...CloseChatBody.properties },
  { additionalProperties: false },
);
const AgentStatusData = Type.Object(
  { status: Status, agentId: Type.Optional(Id) },
  { additionalProperties: false },
);

export const REQUESTS: Record<string, RequestHandler> = {
  // POST /chats
  'chats:create': handler(CreateChatBody, async (ctx, actor, data) => ({
    chat: await createChat(ctx, actor, data),
  })),
  // GET /chats/{id}?fields=
  'chats:get': handler(ChatGetData, async (ctx, actor, data) => ({
    chat: await getChat(
      ctx,
      actor,
      data.chatId,
      (data.fields ?? '').split(',').map((f) => f.trim()),
    ),
  })),
  // POST /chats/{id}/assign
  'chats:assign': handler(withChatId(AssignQuery), async (ctx, actor, { chatId, ...request }) =>
    assignChat(ctx, actor, chatId, request),
  ),
  // POST /chats/{id}/join
  'chats:join': handler(withChatId(UserIdBody), async (ctx, actor, { chatId, ...input }) => ({
    chat: await joinChat(ctx, actor, chatId, input),
  })),
  // PUT /chats/{id}/leave
  'chats:leave': handler(withChatId(UserIdBody), async (ctx, actor, { chatId, ...input }) => ({
    chat: await leaveChat(ctx, actor, chatId, input),
  })),
  // DELETE /chats/{id}?userId=  {extraData}
  'chats:close': handler(CloseData, async (ctx, actor, { chatId, ...input }) => ({
    chat: await closeChat(ctx, actor, chatId, input),
  })),
  // POST /chats/{id}/messages
  'messages:new': handler(withChatId(SendMessageBody), async (ctx, actor, { chatId, ...input }) =>
    sendMessage(ctx, actor, chatId, input),
  ),
  // PUT /messages/{id}/read
  'messages:read': handler(ReadData, async (ctx, actor, { messageId, ...input }) =>
    readMessage(ctx, actor, messageId, input),
  ),
  // POST /users/{id}/activity (the id defaults to the token's own user)
  'users:activity': handler(ActivityData, async (ctx, actor, { userId, ...input }) => {
    await reportActivity(ctx, actor, selfOr(actor, userId, 'userId'), input);
    return { success: true };
  }),
  // POST /chats/{id}/history
  'history:import': handler(
    withChatId(Type.Object({ history: History }, { additionalProperties: false })),
    async (ctx, actor, { chatId, history }) => ({
      imported: await importHistory(ctx, actor, chatId, history),
    }),
  ),
  // GET /chats?userId= (the user defaults to the token's own user)
  'users:chats': handler(ChatListQuery, async (ctx, actor, data) =>
    listChats(ctx, actor, { ...data, userId: selfOr(actor, data.userId, 'userId'), limit: data.limit ?? 50 }),
  ),
  // POST /invitations/accept
  'invitations:accept': handler(AnswerBody, async (ctx, actor, data) => acceptInvitation(ctx, actor, data)),
  // POST /invitations/reject
  'invitations:reject': handler(AnswerBody, async (ctx, actor, data) => ({
    invitation: await rejectInvitation(ctx, actor, data),
  })),
  // PUT /agents/{id} {status} (the id defaults to the token's own agent)
  'agents:status': handler(AgentStatusData, async (ctx, actor, { agentId, status }) => ({
    agent: await updateAgent(ctx, actor, selfOr(actor, agentId, 'agentId'), { status }),
  })),
  // No REST twin: a liveness probe for clients that cannot see WebSocket pings (browsers). The frame's
  // credentials are re-checked like any request's, so it also tells a client its session expired.
  ping: handler(Type.Object({}), async () => ({})),
};

export const REQUEST_NAMES = Object.keys(REQUESTS);

/** Ajv's errors as the contract's `details`, the way http/errors.ts words them for REST. */
function details(errors: ErrorObject[]): Array<{ field: string; message: string }> {
  return errors.map((e) => {
    const params = e.params as Record<string, unknown>;
    const base = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
    const field = missing ? (base ? `${base}.${missing}` : missing) : base || 'data';
    return { field, message: e.message ?? 'is invalid' };
  });
}

/**
 * Validates and runs one client event. `data` arrives as parsed JSON; it is normalised the way the
 * REST tolerance layer normalises bodies (NUL refused, top-level `null` and `""` are absent).
 */
export async function runRequest(ctx: Ctx, actor: Actor, event: string, rawData: unknown): Promise<unknown> {
  const handle = Object.hasOwn(REQUESTS, event) ? REQUESTS[event] : undefined;
  if (!handle) {
    throw new ApiError(400, `Unknown event ${event}`, [
      { field: 'event', message: `must be one of ${REQUEST_NAMES.join(', ')}` },
    ]);
  }
  const data = rawData === undefined || rawData === null ? {} : rawData;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ApiError(400, 'Invalid request: data must be an object', [
      { field: 'data', message: 'must be object' },
    ]);
  }
  screenInput('data', data);
  const body = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) if (value === null || value === '') delete body[key];
  if (!handle.validate(body)) {
    const list = details(handle.errors() ?? []);
    throw new ApiError(
      400,
      `Invalid request: ${list.map((d) => `${d.field} ${d.message}`).join('; ')}`,
      list,
    );
  }
  return handle.run(ctx, actor, body as never);
}
