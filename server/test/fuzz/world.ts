import { buildDataSet, type DataSet, multipart } from '../helpers/dataset.ts';
import { createTestApp, createUser, expectStatus, type Person, type TestApp } from '../helpers/fixtures.ts';
import { type StoreKind, startServer, type TestServer } from '../helpers/harness.ts';
import { okHandler, type Receiver, startReceiver } from '../helpers/receiver.ts';
import { registerWebhook } from '../helpers/webhooks.ts';
import { type Client, connect } from '../helpers/ws.ts';

/**
 * What the fuzzer aims at: a server on a fresh store, an app filled with one of everything (the
 * tests' data set), a second app whose data must never move, a webhook with a receiver, and one
 * realtime socket per kind of caller. Durable timers are stopped, so nothing changes between two
 * requests but what the requests themselves do (that is what lets a refused request be checked
 * for "nothing changed").
 */
export interface World {
  server: TestServer;
  app: TestApp;
  other: TestApp;
  data: DataSet;
  otherUser: Person;
  webhookId: string;
  deliveryId: string | undefined;
  receiver: Receiver;
  sockets: { user: Client; agent: Client; app: Client };
  /** Ids by kind, for path parameters and id-valued fields: this app's, the other app's, unknown. */
  ids: Record<IdKind, string[]>;
  close(): Promise<void>;
}

export type IdKind =
  | 'chat'
  | 'user'
  | 'agent'
  | 'message'
  | 'media'
  | 'ticket'
  | 'webhook'
  | 'delivery'
  | 'app';

export const UNKNOWN_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

const ID_MARK = '\u2063id:';
export const idMark = (kind: IdKind, index: number): string => `${ID_MARK}${kind}:${index}`;

/** Replaces the id stand-ins in a text with the world's ids of now. */
export function resolveIds(world: World, text: string): string {
  return text.replace(/\u2063id:(\w+):(\d+)/g, (_all, kind: string, index: string) => {
    return world.ids[kind as IdKind]?.[Number(index)] ?? UNKNOWN_ID;
  });
}

/**
 * Accepted requests may close the main chat, take the agent out of it or send it offline. Before
 * the next case the world gets an open chat again (a new end user's, with the agent in it), so the
 * fuzzer keeps reaching the code behind "the chat is open" for the whole run.
 */
export async function heal(world: World): Promise<void> {
  const { server, app } = world;
  const chat = await server.request('GET', `/v1/chats/${world.data.chat.id}`, { headers: app.asApp });
  const agentId = world.data.agent.id;
  await server.request('PUT', `/v1/agents/${agentId}`, {
    headers: app.asApp,
    body: { status: 'online', rooms: [1], maxChats: 1000 },
  });
  if (chat.body.chat?.status === 'closed') {
    const made = await server.request('POST', '/v1/users', { headers: app.asApp, body: { name: 'Healed' } });
    if (made.status !== 201) return;
    const user = { id: made.body.user.id as string, token: made.body.session.token as string };
    const opened = await server.request('POST', '/v1/chats', { headers: app.as(user.token), body: {} });
    if (opened.status !== 201) return;
    await world.sockets.user.close();
    world.sockets.user = await connect(server, app, { token: user.token });
    world.data.user = { ...world.data.user, ...user };
    world.data.chat = opened.body.chat;
    world.ids.chat[0] = opened.body.chat.id;
    world.ids.user[0] = user.id;
  }
  if (
    !(chat.body.chat?.users as string[] | undefined)?.includes(agentId) ||
    chat.body.chat?.status === 'closed'
  ) {
    await server.request('POST', `/v1/chats/${world.data.chat.id}/join`, {
      headers: app.asApp,
      body: { userId: agentId },
    });
  }
}

/**
 * An accepted request may end the agent's session on purpose: `DELETE /agents/{id}`, `active: false`,
 * a new password, its own sign-out. When its token no longer opens the app, the secret restores the
 * agent (active, its contact and password) and it signs in again, so the reads that follow check
 * the store, not a session that was meant to end. Anything else wrong still fails those reads.
 */
export async function renewAgentSession(world: World): Promise<void> {
  const { server, app } = world;
  const agent = world.data.agent;
  const probe = await server.request('GET', `/v1/agents/${agent.id}`, { headers: app.as(agent.token) });
  if (probe.status !== 401) return;
  await server.request('PUT', `/v1/agents/${agent.id}`, {
    headers: app.asApp,
    body: { active: true, contact: agent.contact, password: agent.password },
  });
  const login = await server.request('POST', '/v1/agents/login', {
    headers: app.asApp,
    body: { contact: agent.contact, password: agent.password },
  });
  if (login.status !== 200) throw new Error(`the agent cannot sign in again: ${login.text.slice(0, 300)}`);
  agent.token = login.body.session.token as string;
  await world.sockets.agent.close();
  world.sockets.agent = await connect(server, app, { token: agent.token });
}

/**
 * An accepted `DELETE /users/{id}` may erase the world's end user (docs/privacy.md): its session ends,
 * its open chat closes and its file's bytes go (410), all by design. The world then gets a new end
 * user with an open chat (the agent in it) and a new file there, so the reads that follow check the
 * store, not what was meant to go. Anything else wrong still fails those reads.
 */
export async function renewErasedUser(world: World): Promise<void> {
  const { server, app } = world;
  const probe = await server.request('GET', `/v1/users/${world.data.user.id}`, {
    headers: app.as(world.data.user.token),
  });
  if (probe.status !== 401) return;
  const made = await expectStatus(server, 201, 'POST', '/v1/users', {
    headers: app.asApp,
    body: { name: 'Renewed' },
  });
  const user = { id: made.body.user.id as string, token: made.body.session.token as string };
  const opened = await expectStatus(server, 201, 'POST', '/v1/chats', {
    headers: app.as(user.token),
    body: {},
  });
  await server.request('POST', `/v1/chats/${opened.body.chat.id}/join`, {
    headers: app.asApp,
    body: { userId: world.data.agent.id },
  });
  world.data.user = { ...world.data.user, ...user };
  world.data.chat = opened.body.chat;
  world.ids.chat[0] = opened.body.chat.id;
  world.ids.user[0] = user.id;
  world.ids.agent[3] = user.id;
  await world.sockets.user.close();
  world.sockets.user = await connect(server, app, { token: user.token });
  const file = await server.request('GET', `/v1/media/${world.data.media.id}`, { headers: app.asApp });
  if (file.status !== 410) return;
  const { body, contentType } = await multipart(
    { chatId: opened.body.chat.id },
    { name: 'renewed.txt', type: 'text/plain', bytes: Buffer.from('renewed') },
  );
  const uploaded = await expectStatus(server, 201, 'POST', '/v1/media', {
    headers: { ...app.as(user.token), 'content-type': contentType },
    body,
  });
  world.data.media = uploaded.body.media;
  world.ids.media[0] = uploaded.body.media.id;
}

/**
 * An accepted `POST /apps/{appId}/rotate` replaced an app's secret (docs/security.md, "App secret
 * rotation"): the world's app server goes on with the new one, its socket too. Another app's
 * rotation (the fuzz may send its secret) only makes that secret's later cases refusals.
 */
export async function adoptRotatedSecret(world: World, answer: string): Promise<void> {
  const secret = (JSON.parse(answer) as { secret?: unknown }).secret;
  if (typeof secret !== 'string') throw new Error(`rotate answered no secret: ${answer.slice(0, 200)}`);
  const { server, app } = world;
  const probe = await server.request('GET', `/v1/apps/${app.id}`, {
    headers: { ...app.asApp, 'x-hyper-secret': secret },
  });
  if (probe.status !== 200) return; // another app's new secret
  app.secret = secret;
  app.asApp['x-hyper-secret'] = secret;
  await world.sockets.app.close();
  world.sockets.app = await connect(server, app, { secret });
}

export async function buildWorld(kind: StoreKind): Promise<World> {
  const server = await startServer(
    kind,
    {
      SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
      SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1',
      SWITCHBOARD_WEBHOOK_TIMEOUT: '2',
      SWITCHBOARD_MAX_WEBHOOKS: '5',
      SWITCHBOARD_MAX_AGENTS: '40',
      SWITCHBOARD_MAX_APPS: '40',
    },
    // Every frame counts against the socket's rate limit; the fuzzer sends many on purpose.
    { realtime: { rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } } },
  );
  const app = await createTestApp(server, 'Fuzzed');
  const other = await createTestApp(server, 'Bystander');
  const data = await buildDataSet(server, app, 'fuzz');
  const otherData = await buildDataSet(server, other, 'other');
  const otherUser = await createUser(server, other);
  const receiver = await startReceiver(okHandler);
  const hook = await registerWebhook(server, app, `http://127.0.0.1:${receiver.port}/`, ['messages:new']);
  // One delivery in the log, so the delivery routes have something real to point at.
  await expectStatus(server, 201, 'POST', `/v1/chats/${data.chat.id}/messages`, {
    headers: app.as(data.user.token),
    body: { message: 'hello hook' },
  });
  const deliveries = await waitForDelivery(server, app, hook.id);
  // A media file of the other app, so cross-app media ids are real ones.
  const { body, contentType } = await multipart(
    { chatId: otherData.chat.id },
    { name: 'o.txt', type: 'text/plain', bytes: Buffer.from('other') },
  );
  await expectStatus(server, 201, 'POST', '/v1/media', {
    headers: { ...other.as(otherData.user.token), 'content-type': contentType },
    body,
  });
  await server.sb.timers.stop();
  const sockets = {
    user: await connect(server, app, { token: data.user.token }),
    agent: await connect(server, app, { token: data.agent.token }),
    app: await connect(server, app, { secret: app.secret }),
  };
  const ids: Record<IdKind, string[]> = {
    chat: [data.chat.id, data.closedChat.id, otherData.chat.id],
    user: [data.user.id, data.closedUser.id, otherUser.id, data.agent.id],
    agent: [data.agent.id, data.agent2.id, otherData.agent.id, data.user.id],
    message: [data.message.id, otherData.message.id],
    media: [data.media.id, otherData.media.id],
    ticket: [data.ticket.id, otherData.ticket.id],
    webhook: [hook.id],
    delivery: deliveries ? [deliveries] : [],
    app: [app.id, other.id],
  };
  return {
    server,
    app,
    other,
    data,
    otherUser,
    webhookId: hook.id,
    deliveryId: deliveries,
    receiver,
    sockets,
    ids,
    async close() {
      // Keep the event loop alive while everything closes (a CLI has nothing else holding it).
      const hold = setInterval(() => undefined, 1000);
      await Promise.allSettled(Object.values(sockets).map((s) => s.close()));
      await server.close();
      await receiver.close();
      clearInterval(hold);
    },
  };
}

async function waitForDelivery(
  server: TestServer,
  app: TestApp,
  hookId: string,
): Promise<string | undefined> {
  for (let i = 0; i < 100; i++) {
    const res = await server.request('GET', `/v1/webhooks/${hookId}/deliveries`, { headers: app.asApp });
    const first = res.body.deliveries?.[0] as { id: string } | undefined;
    if (first) return first.id;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}
