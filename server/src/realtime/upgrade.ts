import type { FastifyReply } from 'fastify';

/** A plain GET on a WebSocket route: 426 in the error envelope (as http/errors.ts writes it). */
export function upgradeRequired(reply: FastifyReply): FastifyReply {
  const message = 'Upgrade required: connect with a WebSocket client';
  return reply
    .code(426)
    .type('application/json; charset=utf-8')
    .header('upgrade', 'websocket')
    .send({ error: { code: 426, message } });
}
