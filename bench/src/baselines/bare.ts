/**
 * The baselines: the least a server on this machine can do for each scenario, in its own process.
 * - POST /v1/chats/:id/messages — a bare Fastify route that parses the same JSON and answers 201.
 * - /ws — a bare `ws` server: a `session` frame on connect; `messages:new` from one participant is
 *   acknowledged and forwarded to both participants of its pair, as Switchboard fans a message out.
 * - POST /v1/chats — picks the next connected agent and pushes it `invitations:new` (the floor for
 *   "chat created → invitation received").
 */
import Fastify from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import { serveCalls } from '../lib/proc.ts';

const app = Fastify({ logger: false });
let seq = 0;

app.post<{ Params: { id: string }; Body: { message: string; type?: string } }>(
  '/v1/chats/:id/messages',
  async (request, reply) => {
    const body = request.body;
    seq++;
    return reply.code(201).send({
      message: {
        id: `m${seq}`,
        chat: request.params.id,
        sender: 'u',
        type: body.type ?? 'text',
        message: body.message,
        seq,
        created: Math.floor(Date.now() / 1000),
      },
    });
  },
);

const pairs = new Map<string, WebSocket[]>();
const agents: WebSocket[] = [];
let nextAgent = 0;
let cursor = 0;

app.post<{ Body: { creator?: string } }>('/v1/chats', async (_request, reply) => {
  const chatId = `c${++seq}`;
  if (agents.length > 0) {
    const agent = agents[nextAgent++ % agents.length]!;
    agent.send(
      JSON.stringify({
        event: 'invitations:new',
        data: { chatId, userId: 'a', invitationId: `i${seq}`, expires: 0 },
        cursor: String(++cursor),
      }),
    );
  }
  return reply.code(201).send({ chat: { id: chatId, status: 'waiting' } });
});

app.get('/v1/health', async () => ({ status: 'ok' }));

const wss = new WebSocketServer({ noServer: true });
app.server.on('upgrade', (request, socket, head) => {
  const url = new URL(request.url ?? '/', 'http://x');
  if (url.pathname !== '/ws') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => {
    const pair = url.searchParams.get('pair');
    const role = url.searchParams.get('role');
    if (pair !== null) {
      const members = pairs.get(pair) ?? [];
      pairs.set(pair, members);
      members.push(ws);
      ws.on('close', () => members.splice(members.indexOf(ws), 1));
    }
    if (role === 'agent' && pair === null) {
      agents.push(ws);
      ws.on('close', () => agents.splice(agents.indexOf(ws), 1));
    }
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as {
        id: number;
        event: string;
        data: { chatId: string; message: string };
      };
      if (frame.event !== 'messages:new' || pair === null) {
        ws.send(JSON.stringify({ ack: frame.id, data: {} }));
        return;
      }
      const message = {
        id: `m${++seq}`,
        chat: frame.data.chatId,
        sender: role,
        type: 'text',
        message: frame.data.message,
        seq,
        created: Math.floor(Date.now() / 1000),
      };
      ws.send(JSON.stringify({ ack: frame.id, data: { message } }));
      const event = JSON.stringify({ event: 'messages:new', data: { message }, cursor: String(++cursor) });
      for (const member of pairs.get(pair) ?? []) member.send(event);
    });
    ws.send(
      JSON.stringify({ event: 'session', data: { user: { id: role ?? 'u' }, cursor: '0', heartbeat: 25 } }),
    );
  });
});

serveCalls({
  async listen() {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  },
  counts() {
    return { sockets: wss.clients.size, agents: agents.length };
  },
});
