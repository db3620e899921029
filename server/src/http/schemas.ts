import { type TSchema, Type } from '@sinclair/typebox';
import { int } from '../limits/ranges.ts';

/** Shared schemas: request pieces and the response objects of spec section 1, for validation and OpenAPI. */

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z_-]+$' });
export const Text = (max = 1000) => Type.String({ minLength: 1, maxLength: max });
export const RoomId = int('roomId');
export const Lang = Type.String({ minLength: 1, maxLength: 35 });
export const ExtraInfo = Type.Record(Type.String(), Type.Unknown(), { maxProperties: 200 });

export const IdParams = Type.Object({ id: Id });
export const Paging = {
  limit: Type.Optional(int('limit', { default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Integer(),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'Error' },
);

export const AppSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  domains: Type.Array(Type.String()),
  created: Type.Integer(),
});

export const UserSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  nickname: Type.Optional(Type.String()),
  contact: Type.Optional(Type.String()),
  externalId: Type.Optional(Type.String()),
  extraInfo: Type.Record(Type.String(), Type.Unknown()),
  role: Type.Union([Type.Literal('user'), Type.Literal('agent')]),
  providerId: Type.Optional(Type.String()),
  status: Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')])),
  rooms: Type.Optional(Type.Array(Type.Integer())),
  langs: Type.Optional(Type.Array(Type.String())),
  maxChats: Type.Optional(Type.Integer()),
  chats: Type.Array(Type.String()),
  created: Type.Integer(),
});

export const SessionSchema = Type.Object({ token: Type.String(), expires: Type.Integer() });

export const HistoryEntrySchema = Type.Object({
  sender: Type.String({ minLength: 1, maxLength: 64 }),
  message: Type.String({ maxLength: 65536 }),
  created: int('seconds'),
  type: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('object')])),
});

const chatFields = {
  id: Type.String(),
  creator: Type.String(),
  room: Type.Integer(),
  lang: Type.String(),
  source: Type.Integer(),
  externalId: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('waiting'), Type.Literal('active'), Type.Literal('closed')]),
  inQueue: Type.Boolean(),
  queuePosition: Type.Union([Type.Integer(), Type.Null()]),
  priority: Type.Integer(),
  created: Type.Integer(),
  closed: Type.Optional(Type.Integer()),
  closedBy: Type.Optional(Type.String()),
  ticketId: Type.Optional(Type.String()),
};

export const ChatSchema = Type.Object({ ...chatFields, users: Type.Array(Type.String()) });
export const ChatWithFieldsSchema = Type.Object({
  ...chatFields,
  users: Type.Union([Type.Array(UserSchema), Type.Array(Type.String())]),
  history: Type.Optional(Type.Array(HistoryEntrySchema)),
});

export const MediaRefSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  type: Type.String(),
  name: Type.String(),
  size: Type.Integer(),
});

export const MessageSchema = Type.Object({
  id: Type.String(),
  chat: Type.String(),
  sender: Type.String(),
  type: Type.Union([
    Type.Literal('text'),
    Type.Literal('media'),
    Type.Literal('object'),
    Type.Literal('system'),
  ]),
  message: Type.Union([MediaRefSchema, Type.String()]),
  seq: Type.Integer(),
  created: Type.Integer(),
});

export const MediaSchema = Type.Object({
  ...MediaRefSchema.properties,
  chatId: Type.String(),
  sender: Type.String(),
  created: Type.Integer(),
});

export const TicketSchema = Type.Object({
  id: Type.String(),
  externalId: Type.String(),
  chatId: Type.String(),
  subject: Type.String(),
  transcript: Type.Array(MessageSchema),
  created: Type.Integer(),
});

export const Success = Type.Object({ success: Type.Literal(true) });
export const Next = Type.Union([Type.String(), Type.Null()]);

/** Standard error responses for a route, so the OpenAPI document lists them. */
export function withErrors(
  ok: Record<number, TSchema>,
  errors: number[] = [400, 401, 403, 404],
): Record<number, TSchema> {
  const result: Record<number, TSchema> = { ...ok };
  for (const code of errors) result[code] = Type.Ref('Error');
  return result;
}
