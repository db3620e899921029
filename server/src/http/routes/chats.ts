import { Type } from '@sinclair/typebox';
import {
  chatUsers,
  closeChat,
  createChat,
  getChat,
  joinChat,
  leaveChat,
  listChats,
  updateChat,
} from '../../chats/chats.ts';
import { exportHistory, historyCsv, importHistory } from '../../chats/history.ts';
import { listMessages, MAX_MESSAGE_LENGTH, sendMessage } from '../../chats/messages.ts';
import { inRange, int } from '../../limits/ranges.ts';
import { invalidField } from '../../util/errors.ts';
import { actorOf } from '../auth.ts';
import {
  ChatSchema,
  ChatWithFieldsSchema,
  ExtraInfo,
  HistoryEntrySchema,
  Id,
  IdParams,
  Lang,
  MessageSchema,
  Next,
  Paging,
  RoomId,
  Text,
  UserSchema,
  withErrors,
} from '../schemas.ts';
import type { Http, RouteDeps } from '../types.ts';

/** A message listing's cursor is the last `seq` seen, as text; it is held to the range of `after`. */
function seqCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const seq = Number(cursor);
  if (!inRange('seq', seq)) throw invalidField('cursor', 'is not a cursor this server issued');
  return seq;
}

const Priority = int('priority');
export const History = Type.Array(HistoryEntrySchema, { maxItems: 1000 });
const ChatResponse = Type.Object({ chat: ChatSchema });
export const UserIdBody = Type.Object({ userId: Type.Optional(Id) }, { additionalProperties: false });

// Request schemas shared with the realtime gateway, so a WebSocket request is validated like its REST twin.
export const CreateChatBody = Type.Object(
  {
    creator: Type.Optional(Id),
    room: Type.Optional(RoomId),
    lang: Type.Optional(Lang),
    source: Type.Optional(int('source')),
    externalId: Type.Optional(Text(200)),
    priority: Type.Optional(Priority),
    history: Type.Optional(History),
  },
  { additionalProperties: false },
);
export const ChatListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('waiting'), Type.Literal('active'), Type.Literal('closed')]),
    ),
    room: Type.Optional(RoomId),
    userId: Type.Optional(Id),
    ...Paging,
  },
  { additionalProperties: false },
);
export const CloseChatBody = Type.Object(
  { extraData: Type.Optional(ExtraInfo) },
  { additionalProperties: false },
);
export const SendMessageBody = Type.Object(
  {
    sender: Type.Optional(Id),
    message: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH }),
    type: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('object'), Type.Literal('system')])),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

/** Chats and their messages, history and participants. */
export function chatRoutes(http: Http, { ctx }: RouteDeps): void {
  http.post(
    '/chats',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'Open a chat (one open chat per end user); fires chats:create',
        body: CreateChatBody,
        response: withErrors({ 201: ChatResponse }, [400, 401, 403, 404, 409]),
      },
    },
    async (request, reply) =>
      reply.code(201).send({ chat: await createChat(ctx, actorOf(request), request.body) }),
  );

  http.get(
    '/chats',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'List chats (a token: its own; agents also their rooms)',
        querystring: ChatListQuery,
        response: withErrors({ 200: Type.Object({ chats: Type.Array(ChatSchema), next: Next }) }),
      },
    },
    async (request) =>
      listChats(ctx, actorOf(request), { ...request.query, limit: request.query.limit ?? 50 }),
  );

  http.get(
    '/chats/:id',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'Get a chat; fields=users,history expands it',
        params: IdParams,
        querystring: Type.Object(
          { fields: Type.Optional(Type.String({ maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ chat: ChatWithFieldsSchema }) }),
      },
    },
    async (request) => {
      const fields = (request.query.fields ?? '').split(',').map((f) => f.trim());
      return { chat: await getChat(ctx, actorOf(request), request.params.id, fields) };
    },
  );

  http.put(
    '/chats/:id',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'Change priority, externalId, lang or room',
        params: IdParams,
        body: Type.Object(
          {
            priority: Type.Optional(Priority),
            externalId: Type.Optional(Text(200)),
            lang: Type.Optional(Lang),
            room: Type.Optional(RoomId),
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: ChatResponse }, [400, 401, 403, 404, 409]),
      },
    },
    async (request) => ({ chat: await updateChat(ctx, actorOf(request), request.params.id, request.body) }),
  );

  http.delete(
    '/chats/:id',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'Close a chat; fires chats:close (and system:info with the ticket)',
        params: IdParams,
        querystring: Type.Object({ userId: Type.Optional(Id) }, { additionalProperties: false }),
        body: CloseChatBody,
        response: withErrors({ 200: ChatResponse }, [400, 401, 403, 404, 409]),
      },
    },
    async (request) => ({
      chat: await closeChat(ctx, actorOf(request), request.params.id, {
        ...(request.query.userId !== undefined ? { userId: request.query.userId } : {}),
        ...(request.body?.extraData !== undefined ? { extraData: request.body.extraData } : {}),
      }),
    }),
  );

  http.get(
    '/chats/:id/messages',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['messages'],
        summary: 'Messages of a chat, oldest first, after a seq',
        params: IdParams,
        querystring: Type.Object(
          {
            after: Type.Optional(int('seq')),
            cursor: Type.Optional(Type.String({ pattern: '^\\d{1,10}$' })),
            limit: Paging.limit,
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ messages: Type.Array(MessageSchema), next: Next }) }),
      },
    },
    async (request) => {
      const after = request.query.after ?? seqCursor(request.query.cursor);
      return listMessages(ctx, actorOf(request), request.params.id, {
        ...(after !== undefined ? { after } : {}),
        limit: request.query.limit ?? 50,
      });
    },
  );

  http.post(
    '/chats/:id/messages',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['messages'],
        summary: 'Send a message; the same clientId twice stores it once',
        params: IdParams,
        body: SendMessageBody,
        response: withErrors(
          { 201: Type.Object({ message: MessageSchema, eventId: Type.Optional(Type.String()) }) },
          [400, 401, 403, 404, 409],
        ),
      },
    },
    async (request, reply) =>
      reply.code(201).send(await sendMessage(ctx, actorOf(request), request.params.id, request.body)),
  );

  http.get(
    '/chats/:id/history',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'Export the conversation (imported bot lines, then messages) as JSON or CSV',
        params: IdParams,
        querystring: Type.Object(
          { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const history = await exportHistory(ctx, actorOf(request), request.params.id);
      if (request.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="chat-${request.params.id}.csv"`)
          .send(historyCsv(history));
      }
      return { history };
    },
  );

  http.post(
    '/chats/:id/history',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'Import a bot conversation into the chat',
        params: IdParams,
        body: Type.Object({ history: History }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ imported: Type.Integer() }) }, [400, 401, 403, 404, 409]),
      },
    },
    async (request) => ({
      imported: await importHistory(ctx, actorOf(request), request.params.id, request.body.history),
    }),
  );

  http.get(
    '/chats/:id/users',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'Participants of a chat',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ users: Type.Array(UserSchema) }) }),
      },
    },
    async (request) => ({ users: await chatUsers(ctx, actorOf(request), request.params.id) }),
  );

  http.post(
    '/chats/:id/join',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'An agent of the room joins; fires chats:join',
        params: IdParams,
        body: UserIdBody,
        response: withErrors({ 200: ChatResponse }, [400, 401, 403, 404, 409]),
      },
    },
    async (request) => ({ chat: await joinChat(ctx, actorOf(request), request.params.id, request.body) }),
  );

  http.put(
    '/chats/:id/leave',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['chats'],
        summary: 'A participant leaves; fires chats:leave',
        params: IdParams,
        body: UserIdBody,
        response: withErrors({ 200: ChatResponse }, [400, 401, 403, 404, 409]),
      },
    },
    async (request) => ({ chat: await leaveChat(ctx, actorOf(request), request.params.id, request.body) }),
  );
}
