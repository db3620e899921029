import assert from 'node:assert/strict';
import type { Json, RequestOptions, Response, TestServer } from './harness.ts';

/** An app with its credentials and shortcuts to call the API as each kind of caller. */
export interface TestApp {
  id: string;
  secret: string;
  domainKey: string;
  /** Headers of the app server. */
  asApp: Record<string, string>;
  /** Headers of a browser with the domain key. */
  asKey: Record<string, string>;
  /** Headers of a connector that sends the app id alone. */
  asAppId: Record<string, string>;
  as(token: string): Record<string, string>;
}

export async function createTestApp(
  server: TestServer,
  name = 'Test app',
  domains?: string[],
): Promise<TestApp> {
  const res = await server.request('POST', '/v1/apps', {
    headers: { 'x-hyper-admin': server.adminKey },
    body: { name, ...(domains ? { domains } : {}) },
  });
  assert.equal(res.status, 201, res.text);
  const id = res.body.app.id as string;
  return {
    id,
    secret: res.body.secret,
    domainKey: res.body.domainKey,
    asApp: { 'x-hyper-appid': id, 'x-hyper-secret': res.body.secret },
    asKey: { 'x-hyper-appid': id, 'x-hyper-key': res.body.domainKey },
    asAppId: { 'x-hyper-appid': id },
    as: (token) => ({ 'x-hyper-appid': id, 'x-hyper-token': token }),
  };
}

/** Calls the API and asserts the status; returns the response for further checks. */
export async function expectStatus<T = Json>(
  server: TestServer,
  status: number,
  method: string,
  url: string,
  options?: RequestOptions,
): Promise<Response<T>> {
  const res = await server.request<T>(method, url, options);
  assert.equal(res.status, status, `${method} ${url} → ${res.status} ${res.text}`);
  return res;
}

/** Asserts the error envelope (docs/conventions.md). */
export function assertError(res: Response, status: number, message?: RegExp): void {
  assert.equal(res.status, status, res.text);
  const body = res.body as Json;
  assert.equal(typeof body?.error, 'object', `no error envelope: ${res.text}`);
  assert.equal(body.error.code, status);
  assert.equal(typeof body.error.message, 'string');
  if (message) assert.match(body.error.message, message);
}

export interface Person {
  id: string;
  token: string;
}

export async function createUser(server: TestServer, app: TestApp, body: Json = {}): Promise<Person> {
  const res = await expectStatus(server, 201, 'POST', '/v1/users', {
    headers: app.asApp,
    body: { name: 'Ann', ...body },
  });
  return { id: res.body.user.id, token: res.body.session.token };
}

let agentCounter = 0;

/** Creates an agent and logs them in (status online). */
export async function createAgent(server: TestServer, app: TestApp, body: Json = {}): Promise<Person> {
  const contact = `agent${++agentCounter}-${Date.now()}@example.com`;
  await expectStatus(server, 201, 'POST', '/v1/agents', {
    headers: app.asApp,
    body: { name: 'Agent', contact, password: 'pw-123456', rooms: [1], ...body },
  });
  const login = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
    headers: app.asApp,
    body: { contact: body.contact ?? contact, password: body.password ?? 'pw-123456' },
  });
  return { id: login.body.user.id, token: login.body.session.token };
}

export async function createChat(
  server: TestServer,
  app: TestApp,
  user: Person,
  body: Json = {},
): Promise<Json> {
  const res = await expectStatus(server, 201, 'POST', '/v1/chats', { headers: app.as(user.token), body });
  return res.body.chat;
}

/** Events the outbox holds for an app, oldest first (what realtime and webhooks will carry). */
export async function eventsOf(
  server: TestServer,
  appId: string,
): Promise<Array<{ trigger: string; data: Json; chatId: string | null }>> {
  const rows = await server.sb.store.db
    .selectFrom('events')
    .select(['trigger', 'data', 'chatId'])
    .where('appId', '=', appId)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ trigger: r.trigger, data: JSON.parse(r.data) as Json, chatId: r.chatId }));
}
