import { Type } from '@sinclair/typebox';
import { readMessage } from '../../chats/messages.ts';
import { actorOf } from '../auth.ts';
import { Id, IdParams, withErrors } from '../schemas.ts';
import type { Http, RouteDeps } from '../types.ts';

export const ReadBody = Type.Object({ userId: Type.Optional(Id) }, { additionalProperties: false });

/** Read receipts. */
export function messageRoutes(http: Http, { ctx }: RouteDeps): void {
  http.put(
    '/messages/:id/read',
    {
      config: { auth: ['secret', 'token'] },
      schema: {
        tags: ['messages'],
        summary: 'Mark a message read; the first read by a participant fires messages:read',
        params: IdParams,
        body: ReadBody,
        response: withErrors({
          200: Type.Object({
            message: Type.Object({ id: Type.String(), chat: Type.String(), sender: Type.String() }),
            userId: Type.String(),
          }),
        }),
      },
    },
    async (request) => readMessage(ctx, actorOf(request), request.params.id, request.body),
  );
}
