import { Type } from '@sinclair/typebox';
import { int } from '../../limits/ranges.ts';
import { requireAgentToken } from '../../policies/actor.ts';
import {
  acceptInvitation,
  assignChat,
  inviteAgent,
  listInvitations,
  rejectInvitation,
  sendToInbox,
} from '../../routing/invitations.ts';
import { queuePositionOf, queuesStatus } from '../../routing/status.ts';
import { actorOf } from '../auth.ts';
import { ChatSchema, Id, IdParams, Next, Paging, withErrors } from '../schemas.ts';
import type { Http, RouteDeps } from '../types.ts';

const Algorithm = Type.Union([Type.Literal('least-busy'), Type.Literal('round-robin')]);
const InvitationStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('accepted'),
  Type.Literal('rejected'),
  Type.Literal('expired'),
  Type.Literal('cancelled'),
]);
export const InvitationSchema = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  userId: Type.String(),
  inviterId: Type.Optional(Type.String()),
  status: InvitationStatus,
  transfer: Type.Boolean(),
  attempt: Type.Optional(Type.Integer()),
  created: Type.Integer(),
  expires: Type.Integer(),
});
export const AnswerBody = Type.Object(
  { chatId: Id, userId: Type.Optional(Id) },
  { additionalProperties: false },
);
/** The loop parameters of /chats/{id}/assign (query there; the realtime `chats:assign` takes them as data). */
export const AssignQuery = Type.Object(
  {
    algorithm: Type.Optional(Algorithm),
    maxAttempts: Type.Optional(int('attempts')),
    interval: Type.Optional(int('durationDay', { minimum: 1 })),
  },
  { additionalProperties: false },
);
const Assignment = Type.Object({
  maxAttempts: Type.Integer(),
  interval: Type.Integer(),
  algorithm: Algorithm,
});

/** The invitation loop, invitations, toinbox and queues (spec section 5). */
export function routingRoutes(http: Http, { ctx }: RouteDeps): void {
  const assignSchema = {
    tags: ['routing'],
    summary: 'Start the invitation loop (or answer with the running one)',
    params: IdParams,
    querystring: AssignQuery,
    response: withErrors(
      { 202: Type.Object({ chat: ChatSchema, assignment: Assignment }) },
      [400, 401, 403, 404, 409],
    ),
  };
  for (const method of ['GET', 'POST'] as const) {
    http.route({
      method,
      url: '/chats/:id/assign',
      config: { auth: ['secret', 'token'] },
      schema: assignSchema,
      handler: async (request, reply) =>
        reply.code(202).send(await assignChat(ctx, actorOf(request), request.params.id, request.query)),
    });
  }

  http.post(
    '/chats/:id/toinbox',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['routing'],
        summary: 'Agents leave; the chat waits again and routing restarts without them first',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ chat: ChatSchema }) }, [400, 401, 403, 404, 409]),
      },
    },
    async (request) => ({ chat: await sendToInbox(ctx, actorOf(request), request.params.id) }),
  );

  http.post(
    '/invitations',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['routing'],
        summary: 'Invite an agent to a chat (transfer: the inviter leaves once it is accepted)',
        body: Type.Object(
          { chatId: Id, userId: Id, transfer: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: withErrors(
          { 201: Type.Object({ invitation: InvitationSchema }) },
          [400, 401, 403, 404, 409],
        ),
      },
    },
    async (request, reply) =>
      reply.code(201).send({ invitation: await inviteAgent(ctx, actorOf(request), request.body) }),
  );

  http.get(
    '/invitations',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['routing'],
        summary: 'Invitations (an agent: its own)',
        querystring: Type.Object(
          {
            userId: Type.Optional(Id),
            status: Type.Optional(InvitationStatus),
            chatId: Type.Optional(Id),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ invitations: Type.Array(InvitationSchema), next: Next }) }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      if (actor.user) requireAgentToken(actor);
      return listInvitations(ctx, actor, request.query);
    },
  );

  http.post(
    '/invitations/accept',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['routing'],
        summary: 'Accept an invitation: the agent joins the chat',
        body: AnswerBody,
        response: withErrors(
          { 200: Type.Object({ chat: ChatSchema, invitation: InvitationSchema }) },
          [400, 401, 403, 404, 409],
        ),
      },
    },
    async (request) => acceptInvitation(ctx, actorOf(request), request.body),
  );

  http.post(
    '/invitations/reject',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['routing'],
        summary: 'Reject an invitation: the loop jumps on',
        body: AnswerBody,
        response: withErrors(
          { 200: Type.Object({ invitation: InvitationSchema }) },
          [400, 401, 403, 404, 409],
        ),
      },
    },
    async (request) => ({ invitation: await rejectInvitation(ctx, actorOf(request), request.body) }),
  );

  http.get(
    '/queues/status',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['routing'],
        summary: 'Per room: waiting chats, agents online and available, oldest wait',
        response: withErrors({
          200: Type.Object({
            queues: Type.Record(
              Type.String(),
              Type.Object({
                waiting: Type.Integer(),
                agentsOnline: Type.Integer(),
                agentsAvailable: Type.Integer(),
                oldestWait: Type.Union([Type.Integer(), Type.Null()]),
              }),
            ),
          }),
        }),
      },
    },
    async (request) => ({ queues: await queuesStatus(ctx, actorOf(request)) }),
  );

  http.get(
    '/queues/update/:chatId',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['routing'],
        summary: 'A chat’s position in its queue',
        params: Type.Object({ chatId: Id }),
        response: withErrors({
          200: Type.Object({
            chatId: Type.String(),
            userId: Type.String(),
            data: Type.Object({ queuePosition: Type.Union([Type.Integer(), Type.Null()]) }),
          }),
        }),
      },
    },
    async (request) => queuePositionOf(ctx, actorOf(request), request.params.chatId),
  );
}
