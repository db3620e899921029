import { type Static, Type } from '@sinclair/typebox';
import { Chat } from './chat.ts';
import { Message } from './message.ts';

/**
 * The `data` of every event (docs/realtime.md, docs/webhooks.md): one schema per trigger, the same
 * over webhooks, `/v1/ws` and `/v1/stream`. `events/catalog.ts` names the trigger of each; the outbox
 * checks stored events against them in tests, and `/v1/asyncapi.json` publishes them.
 */

const closed = { additionalProperties: false } as const;
const chatUser = { chatId: Type.String(), userId: Type.String() };

/** An agent as offered to the `chats:assign` advisor. */
export const AssignCandidate = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    nickname: Type.Union([Type.String(), Type.Null()]),
    capacity: Type.Integer(),
    maxChats: Type.Integer(),
    activeChats: Type.Integer(),
    rooms: Type.Array(Type.Integer()),
    langs: Type.Array(Type.String()),
  },
  closed,
);
export type AssignCandidate = Static<typeof AssignCandidate>;

export const ChatsCreateData = Type.Object({ chat: Chat }, closed);
export const ChatsJoinData = Type.Object(chatUser, closed);
export const ChatsLeaveData = Type.Object(chatUser, closed);
export const ChatsCloseData = Type.Object(
  { ...chatUser, extraData: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  closed,
);
export const ChatsAssignData = Type.Object(
  { chat: Chat, agents: Type.Array(AssignCandidate), attempt: Type.Integer(), maxAttempts: Type.Integer() },
  closed,
);
/** A supervisor took a chat over (docs/people.md, "Supervision"): who, and the agents it made leave. */
export const ChatsIntervenedData = Type.Object(
  { chatId: Type.String(), interventor: Type.String(), intervenedUsers: Type.Array(Type.String()) },
  closed,
);
export const ForeverAloneData = Type.Object({ chatId: Type.String() }, closed);
export const InvitationsNewData = Type.Object(
  { ...chatUser, invitationId: Type.String(), expires: Type.Integer() },
  closed,
);
export const InvitationsAcceptData = Type.Object(chatUser, closed);
export const MessagesNewData = Type.Object({ message: Message }, closed);
export const MessagesReadData = Type.Object({ messageId: Type.String(), ...chatUser }, closed);
export const QueuesUpdateData = Type.Object(
  { ...chatUser, data: Type.Object({ queuePosition: Type.Union([Type.Integer(), Type.Null()]) }, closed) },
  closed,
);
/**
 * `data.type` names the notice: `ticket` (the ticket made on close, `ticketId`) or `survey` (the
 * survey the end user is asked to answer, docs/surveys.md: `surveyId`, `chatId`, and `ticketId` when
 * the close made one); other notices may add fields beside it.
 */
export const SystemInfoData = Type.Object(
  {
    chatId: Type.Optional(Type.String()),
    data: Type.Object(
      {
        type: Type.String(),
        ticketId: Type.Optional(Type.String()),
        surveyId: Type.Optional(Type.String()),
        chatId: Type.Optional(Type.String()),
      },
      { additionalProperties: true },
    ),
  },
  closed,
);
export const UsersActivityData = Type.Object(
  {
    ...chatUser,
    type: Type.Union([
      Type.Literal('writing'),
      Type.Literal('not-writing'),
      Type.Literal('disconnected'),
      Type.Literal('reconnected'),
    ]),
    grace: Type.Optional(Type.Integer()),
  },
  closed,
);

/** Why an agent's status (or the rooms it serves) changed: docs/reports.md, "Agent status". */
export const AgentStatusReason = Type.Union([
  Type.Literal('login'),
  Type.Literal('logout'),
  Type.Literal('update'),
  Type.Literal('deactivated'),
  Type.Literal('deleted'),
  Type.Literal('presence'),
]);
export type AgentStatusReason = Static<typeof AgentStatusReason>;
const AgentStatus = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]);
/** An agent's status or served rooms changed (sign-in, away, sign-out, deactivation, presence expiry). */
export const AgentsStatusData = Type.Object(
  {
    agentId: Type.String(),
    status: AgentStatus,
    previous: AgentStatus,
    /** The rooms it serves now: its rooms less those it logged out of. */
    rooms: Type.Array(Type.Integer()),
    reason: AgentStatusReason,
  },
  closed,
);
/** An end user answered a survey (docs/surveys.md): `rating` is its first rating answer (1–5), or null. */
export const SurveysResponseData = Type.Object(
  {
    surveyId: Type.String(),
    chatId: Type.String(),
    userId: Type.String(),
    rating: Type.Union([Type.Integer({ minimum: 1, maximum: 5 }), Type.Null()]),
    created: Type.Integer(),
  },
  closed,
);
/** An end user was erased (docs/privacy.md): only its id, which stays. */
export const UsersErasedData = Type.Object({ userId: Type.String() }, closed);
