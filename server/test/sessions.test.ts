import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import {
  assertError,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { closedWithin, connect, open, wsUrl } from './helpers/ws.ts';

/**
 * Sessions that end (docs/security.md, "Sessions"): what revokes a token, that a revoked token answers
 * 401 and its sockets close with 4001 within a second, deactivation and deletion of agents, app secret
 * rotation and the sockets-per-token cap — on one node of each store. sessions-cluster.test.ts checks
 * the same across the nodes of a PostgreSQL + Redis cluster.
 */

let contacts = 0;

describeEachStore('sessions', (kind) => {
  let server: TestServer;
  let app: TestApp;
  before(async () => {
    server = await startServer(kind, {}, { realtime: { maxSocketsPerToken: 3 } });
    await server.sb.listen();
    app = await createTestApp(server, 'Sessions');
  });
  after(() => server.close());

  interface Agent {
    id: string;
    contact: string;
    password: string;
  }

  async function newAgent(body: Json = {}): Promise<Agent> {
    const contact = `sessions-${++contacts}-${Date.now()}@example.com`;
    const created = await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'Ada', contact, password: 'pw-123456', rooms: [1], maxChats: 5, ...body },
    });
    return { id: created.body.agent.id, contact, password: 'pw-123456' };
  }

  async function login(agent: Agent): Promise<string> {
    const res = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact: agent.contact, password: agent.password },
    });
    return res.body.session.token;
  }

  const chats = (token: string) => server.request('GET', '/v1/chats', { headers: app.as(token) });

  it('the finding: a password change by the secret ends every session at once (REST 401, socket 4001)', async () => {
    const agent = await newAgent();
    const first = await login(agent);
    const second = await login(agent);
    const socket = await connect(server, app, { token: first });
    const other = await connect(server, app, { token: second });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
      body: { password: 'pw-654321' },
    });
    assertError(await chats(first), 401);
    assertError(await chats(second), 401);
    assert.equal(await closedWithin(socket, 1000), 4001);
    assert.equal(await closedWithin(other, 1000), 4001);
    // The old password no longer opens a session, the new one does.
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asApp,
        body: { contact: agent.contact, password: 'pw-123456' },
      }),
      401,
    );
    const fresh = await login({ ...agent, password: 'pw-654321' });
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.as(fresh) });
  });

  it('a password change by the agent itself keeps the session that made it and ends the others', async () => {
    const agent = await newAgent();
    const mine = await login(agent);
    const elsewhere = await login(agent);
    const mySocket = await connect(server, app, { token: mine });
    const otherSocket = await connect(server, app, { token: elsewhere });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.as(mine),
      body: { password: 'pw-777777' },
    });
    assertError(await chats(elsewhere), 401);
    assert.equal(await closedWithin(otherSocket, 1000), 4001);
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.as(mine) });
    // The changer's socket stays open and still answers.
    await mySocket.expectQuiet(300);
    assert.equal(mySocket.isClosed, false);
    const me = await mySocket.call('users:chats', {});
    assert.ok(Array.isArray(me.chats));
    await mySocket.close();
  });

  it('POST /agents/logout with the own token and no rooms ends that session only', async () => {
    const agent = await newAgent();
    const leaving = await login(agent);
    const staying = await login(agent);
    const leavingSocket = await connect(server, app, { token: leaving });
    const stayingSocket = await connect(server, app, { token: staying });
    // Leaving some rooms is not a sign-out: the session stays.
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: app.as(leaving),
      body: { rooms: [1] },
    });
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.as(leaving) });
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', { headers: app.as(leaving), body: {} });
    assertError(await chats(leaving), 401);
    assert.equal(await closedWithin(leavingSocket, 1000), 4001);
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.as(staying) });
    assert.equal(stayingSocket.isClosed, false);
    // The app server logging the agent out ends no session.
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: app.asApp,
      body: { agentId: agent.id },
    });
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.as(staying) });
    await stayingSocket.close();
  });

  it('an end user’s password-less sessions are untouched by an agent’s revocation', async () => {
    const agent = await newAgent();
    const token = await login(agent);
    const ann = await createUser(server, app);
    const annSocket = await connect(server, app, { token: ann.token });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
      body: { password: 'pw-888888' },
    });
    assertError(await chats(token), 401);
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.as(ann.token) });
    await annSocket.expectQuiet(200);
    assert.equal(annSocket.isClosed, false);
    await annSocket.close();
  });

  it('active: shown on agents, set by the secret only, false ends every session and refuses login', async () => {
    const agent = await newAgent();
    const shown = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers: app.asApp });
    assert.equal(shown.body.agent.active, true);
    const token = await login(agent);
    const again = await login(agent);
    // An agent cannot deactivate (or reactivate) itself.
    assertError(
      await server.request('PUT', `/v1/agents/${agent.id}`, {
        headers: app.as(token),
        body: { active: false },
      }),
      403,
    );
    assertError(
      await server.request('PUT', `/v1/agents/${agent.id}`, { headers: app.asApp, body: { active: 'no' } }),
      400,
    );
    const socket = await connect(server, app, { token });
    const res = await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
      body: { active: false },
    });
    assert.equal(res.body.agent.active, false);
    assert.equal(res.body.agent.status, 'offline');
    assertError(await chats(token), 401);
    assertError(await chats(again), 401);
    assert.equal(await closedWithin(socket, 1000), 4001);
    // Logging in while inactive: 403 (after the password: who does not know it learns nothing).
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asApp,
        body: { contact: agent.contact, password: agent.password },
      }),
      403,
      /deactivated/,
    );
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asApp,
        body: { contact: agent.contact, password: 'wrong-password' },
      }),
      401,
    );
    // Nor can the app server put it online while inactive.
    assertError(
      await server.request('PUT', `/v1/agents/${agent.id}`, {
        headers: app.asApp,
        body: { status: 'online' },
      }),
      409,
    );
    const listed = await expectStatus(server, 200, 'GET', '/v1/agents', { headers: app.asApp });
    const row = (listed.body.agents as Json[]).find((a) => a.id === agent.id);
    assert.equal(row?.active, false);
    // Reactivated, it signs in again.
    const back = await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
      body: { active: true },
    });
    assert.equal(back.body.agent.active, true);
    const fresh = await login(agent);
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.as(fresh) });
  });

  it('POST /agents may create an inactive agent, which cannot sign in', async () => {
    const agent = await newAgent({ active: false });
    const shown = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers: app.asApp });
    assert.equal(shown.body.agent.active, false);
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asApp,
        body: { contact: agent.contact, password: agent.password },
      }),
      403,
    );
  });

  it('deactivation takes the agent out of routing and gives its open chats back to routing', async () => {
    const roomApp = await createTestApp(server, 'Routing');
    const make = async (name: string): Promise<Agent & { token: string }> => {
      const contact = `routing-${++contacts}-${Date.now()}@example.com`;
      const created = await expectStatus(server, 201, 'POST', '/v1/agents', {
        headers: roomApp.asApp,
        body: { name, contact, password: 'pw-123456', rooms: [1], maxChats: 5 },
      });
      const signed = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
        headers: roomApp.asApp,
        body: { contact, password: 'pw-123456' },
      });
      return { id: created.body.agent.id, contact, password: 'pw-123456', token: signed.body.session.token };
    };
    const ada = await make('Ada');
    const ann = await createUser(server, roomApp);
    const chat = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: roomApp.as(ann.token),
      body: {},
    });
    const chatId = chat.body.chat.id as string;
    await invitedAndAccept(roomApp, ada.token, chatId);
    // Ada wrote a line before she goes.
    await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: roomApp.as(ada.token),
      body: { message: 'hello from Ada' },
    });
    const bob = await make('Bob');
    await expectStatus(server, 200, 'PUT', `/v1/agents/${ada.id}`, {
      headers: roomApp.asApp,
      body: { active: false },
    });
    const after = await expectStatus(server, 200, 'GET', `/v1/chats/${chatId}`, { headers: roomApp.asApp });
    assert.equal(after.body.chat.users.includes(ada.id), false);
    assert.equal(after.body.chat.status, 'waiting');
    // Routing offers the chat again, to Bob (Ada is not eligible any more).
    await invitedAndAccept(roomApp, bob.token, chatId);
    const available = await expectStatus(server, 200, 'GET', '/v1/agents/available', {
      headers: roomApp.asApp,
    });
    assert.equal(available.body.agents['1'], 1, 'Bob only');
    const agentView = await expectStatus(server, 200, 'GET', `/v1/agents/${ada.id}`, {
      headers: roomApp.asApp,
    });
    assert.deepEqual(agentView.body.agent.chats, []);
    assert.equal(agentView.body.agent.status, 'offline');
  });

  it('a deactivated agent’s pending invitation ends at once and the loop invites the next agent', async () => {
    const roomApp = await createTestApp(server, 'Invitations');
    // A long invitation interval: only the deactivation can end Ada's invitation within the test.
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: roomApp.asApp,
      body: { assign: { timeout: 300 } },
    });
    const signIn = async (name: string) => {
      const contact = `invited-${++contacts}-${Date.now()}@example.com`;
      const created = await expectStatus(server, 201, 'POST', '/v1/agents', {
        headers: roomApp.asApp,
        body: { name, contact, password: 'pw-123456', rooms: [1] },
      });
      const signed = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
        headers: roomApp.asApp,
        body: { contact, password: 'pw-123456' },
      });
      return { id: created.body.agent.id as string, token: signed.body.session.token as string };
    };
    const ada = await signIn('Ada');
    const ann = await createUser(server, roomApp);
    const chat = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: roomApp.as(ann.token),
      body: {},
    });
    const chatId = chat.body.chat.id as string;
    const pendingFor = async (token: string) => {
      const res = await server.request('GET', `/v1/invitations?status=pending&chatId=${chatId}`, {
        headers: roomApp.as(token),
      });
      return (res.body.invitations as Json[] | undefined)?.length ? true : undefined;
    };
    await waitFor(() => pendingFor(ada.token), 10_000, 'Ada’s invitation');
    const bob = await signIn('Bob');
    await expectStatus(server, 200, 'PUT', `/v1/agents/${ada.id}`, {
      headers: roomApp.asApp,
      body: { active: false },
    });
    const mine = await expectStatus(server, 200, 'GET', `/v1/invitations?chatId=${chatId}`, {
      headers: roomApp.asApp,
    });
    const adas = (mine.body.invitations as Json[]).filter((i) => i.userId === ada.id);
    assert.deepEqual(
      adas.map((i) => i.status),
      ['expired'],
    );
    await waitFor(() => pendingFor(bob.token), 5_000, 'Bob’s invitation');
  });

  async function invitedAndAccept(target: TestApp, token: string, chatId: string): Promise<void> {
    await waitFor(
      async () => {
        const res = await server.request('GET', `/v1/invitations?status=pending&chatId=${chatId}`, {
          headers: target.as(token),
        });
        return res.body.invitations?.length > 0;
      },
      10_000,
      'the invitation',
    );
    await expectStatus(server, 200, 'POST', '/v1/invitations/accept', {
      headers: target.as(token),
      body: { chatId },
    });
  }

  it('DELETE /agents/{id}: deactivated and anonymised, never removed; its lines stay in transcripts', async () => {
    const agent = await newAgent({ nickname: 'Addy' });
    const token = await login(agent);
    const ann: Person = await createUser(server, app);
    const chat = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: app.as(ann.token),
      body: {},
    });
    const chatId = chat.body.chat.id as string;
    await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/join`, {
      headers: app.asApp,
      body: { userId: agent.id },
    });
    const line = await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(token),
      body: { message: 'a line that stays' },
    });
    const socket = await connect(server, app, { token });
    assertError(await server.request('DELETE', `/v1/agents/${agent.id}`, { headers: app.as(token) }), 403);
    const gone = await server.request('DELETE', `/v1/agents/${agent.id}`, { headers: app.asApp });
    assert.equal(gone.status, 204, gone.text);
    assert.equal(gone.text, '');
    assertError(await chats(token), 401);
    assert.equal(await closedWithin(socket, 1000), 4001);
    const view = (await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers: app.asApp }))
      .body.agent;
    assert.equal(view.name, 'Deleted agent');
    assert.equal(view.contact, undefined);
    assert.equal(view.nickname, undefined);
    assert.equal(view.active, false);
    assert.equal(view.status, 'offline');
    assert.doesNotMatch(JSON.stringify(view), /Addy|sessions-/);
    // Its contact no longer signs in (and is free for a new agent).
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asApp,
        body: { contact: agent.contact, password: agent.password },
      }),
      401,
    );
    const messages = await expectStatus(server, 200, 'GET', `/v1/chats/${chatId}/messages`, {
      headers: app.asApp,
    });
    const kept = (messages.body.messages as Json[]).find((m) => m.id === line.body.message.id);
    assert.equal(kept?.sender, agent.id);
    assert.equal(kept?.message, 'a line that stays');
    // Deleting again changes nothing; an unknown agent is a 404.
    assert.equal(
      (await server.request('DELETE', `/v1/agents/${agent.id}`, { headers: app.asApp })).status,
      204,
    );
    assertError(await server.request('DELETE', '/v1/agents/01NOPE', { headers: app.asApp }), 404);
    // Tenancy: another app's secret does not see it.
    const other = await createTestApp(server, 'Other');
    assertError(await server.request('DELETE', `/v1/agents/${agent.id}`, { headers: other.asApp }), 404);
  });

  describe('app secret rotation', () => {
    it('without grace: the old secret answers 401 at once, the new one works', async () => {
      const target = await createTestApp(server, 'Rotate');
      const res = await expectStatus(server, 200, 'POST', `/v1/apps/${target.id}/rotate`, {
        headers: target.asApp,
      });
      const secret = res.body.secret as string;
      assert.match(secret, /^sk_/);
      assert.notEqual(secret, target.secret);
      assertError(await server.request('GET', '/v1/agents', { headers: target.asApp }), 401);
      await expectStatus(server, 200, 'GET', '/v1/agents', {
        headers: { 'x-hyper-appid': target.id, 'x-hyper-secret': secret },
      });
    });

    it('with grace: the old secret works until it ends, then 401 (REST and sockets)', async () => {
      const target = await createTestApp(server, 'Rotate with grace');
      const res = await expectStatus(server, 200, 'POST', `/v1/apps/${target.id}/rotate`, {
        headers: { 'x-hyper-admin': server.adminKey },
        body: { graceSeconds: 2 },
      });
      const rotatedAt = Date.now();
      const secret = res.body.secret as string;
      await expectStatus(server, 200, 'GET', '/v1/agents', { headers: target.asApp });
      await expectStatus(server, 200, 'GET', '/v1/agents', {
        headers: { 'x-hyper-appid': target.id, 'x-hyper-secret': secret },
      });
      const socket = await connect(server, target, { secret: target.secret });
      await waitFor(async () => Date.now() > rotatedAt + 2100, 5000, 'the end of the grace');
      assertError(await server.request('GET', '/v1/agents', { headers: target.asApp }), 401);
      await expectStatus(server, 200, 'GET', '/v1/agents', {
        headers: { 'x-hyper-appid': target.id, 'x-hyper-secret': secret },
      });
      // A socket opened with the old secret is refused at its next request.
      const id = socket.request('users:chats', {});
      await socket.ackError(id, 401);
      assert.equal((await socket.closed).code, 4001);
      // A second rotation during a grace ends it: at most two secrets open an app.
      const next = await expectStatus(server, 200, 'POST', `/v1/apps/${target.id}/rotate`, {
        headers: { 'x-hyper-appid': target.id, 'x-hyper-secret': secret },
        body: { graceSeconds: 60 },
      });
      await expectStatus(server, 200, 'GET', '/v1/agents', {
        headers: { 'x-hyper-appid': target.id, 'x-hyper-secret': secret },
      });
      await expectStatus(server, 200, 'GET', '/v1/agents', {
        headers: { 'x-hyper-appid': target.id, 'x-hyper-secret': next.body.secret },
      });
      await expectStatus(server, 200, 'POST', `/v1/apps/${target.id}/rotate`, {
        headers: { 'x-hyper-appid': target.id, 'x-hyper-secret': next.body.secret },
        body: { graceSeconds: 60 },
      });
      assertError(
        await server.request('GET', '/v1/agents', {
          headers: { 'x-hyper-appid': target.id, 'x-hyper-secret': secret },
        }),
        401,
      );
    });

    it('bad input and other apps change nothing', async () => {
      const target = await createTestApp(server, 'Rotate refused');
      for (const graceSeconds of [-1, 86_401, 1.5, '10']) {
        const res = await server.request('POST', `/v1/apps/${target.id}/rotate`, {
          headers: target.asApp,
          body: { graceSeconds },
        });
        assertError(res, 400);
      }
      assertError(await server.request('POST', `/v1/apps/${app.id}/rotate`, { headers: target.asApp }), 404);
      assertError(
        await server.request('POST', '/v1/apps/nope/rotate', {
          headers: { 'x-hyper-admin': server.adminKey },
        }),
        404,
      );
      const agent = await newAgent();
      const token = await login(agent);
      assertError(await server.request('POST', `/v1/apps/${app.id}/rotate`, { headers: app.as(token) }), 403);
      // Nothing changed: the secrets still work.
      await expectStatus(server, 200, 'GET', '/v1/agents', { headers: target.asApp });
      await expectStatus(server, 200, 'GET', '/v1/agents', { headers: app.asApp });
    });
  });

  it('sockets per token: past the cap the upgrade answers 429 with Retry-After; a closed one frees a place', async () => {
    const agent = await newAgent();
    const token = await login(agent);
    const sockets = [];
    for (let i = 0; i < 3; i++) sockets.push(await connect(server, app, { token }));
    const refused = await refusedUpgrade(token);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.retryAfter) >= 1, `Retry-After: ${refused.retryAfter}`);
    assert.equal(JSON.parse(refused.body).error.code, 429);
    // Another token of the same agent has its own count.
    const other = await connect(server, app, { token: await login(agent) });
    await sockets[0]!.close();
    const again = await waitFor(
      () => connect(server, app, { token }).catch(() => undefined),
      3000,
      'a free place',
    );
    for (const socket of [...sockets.slice(1), other, again]) await socket.close();
  });

  /** An upgrade the server refuses: its status, Retry-After and body; rejects when it is accepted. */
  async function refusedUpgrade(
    token: string,
  ): Promise<{ status: number; retryAfter: string; body: string }> {
    const url = new URL(await wsUrl(server));
    url.searchParams.set('appId', app.id);
    url.searchParams.set('token', token);
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: String(response.headers['retry-after'] ?? ''),
            body,
          }),
        );
      });
      ws.once('open', () => {
        ws.close();
        reject(new Error('the upgrade was accepted'));
      });
      ws.once('error', () => undefined);
    });
  }

  it('a socket opened with a token revoked during its handshake is closed too', async () => {
    const agent = await newAgent();
    const token = await login(agent);
    const pending = open(server, app, { token });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
      body: { password: 'pw-999999' },
    });
    const client = await pending.catch(() => undefined);
    if (client) assert.equal(await closedWithin(client, 1000), 4001);
    assertError(await chats(token), 401);
  });
});
