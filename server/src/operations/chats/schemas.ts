import { Type } from '@sinclair/typebox';
import { MAX_MESSAGE_LENGTH } from '../../chats/messages.ts';
import { int } from '../../limits/ranges.ts';
import { Chat } from '../../wire/chat.ts';
import { ExtraInfo, Id, Lang, Paging, RoomId, Text } from '../../wire/fields.ts';
import { HistoryEntry, Visibility } from '../../wire/message.ts';

export const Priority = int('priority');
export const History = Type.Array(HistoryEntry, { maxItems: 1000 });
export const ChatResponse = Type.Object({ chat: Chat });
export const UserIdBody = Type.Object({ userId: Type.Optional(Id) }, { additionalProperties: false });
export const CHANGE_ERRORS = [400, 401, 403, 404, 409];

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
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'only chats with this tag' })),
    agent: Type.Optional(Id),
    rating: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 5, description: 'only chats whose survey rating is this (1–5)' }),
    ),
    from: Type.Optional(int('seconds', { description: 'opened at or after (Unix seconds)' })),
    to: Type.Optional(int('seconds', { description: 'opened at or before (Unix seconds)' })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'words found in the chat’s messages, any order (internal notes only for agents)',
      }),
    ),
    order: Type.Optional(
      Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
        description: 'by id: oldest first (default) or newest',
      }),
    ),
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
    /** `agents`: an internal note (docs/security.md); absent: `all`. */
    visibility: Type.Optional(Visibility),
  },
  { additionalProperties: false },
);
