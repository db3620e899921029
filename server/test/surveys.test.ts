import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertError,
  createAgent,
  createChat,
  createTestApp,
  createUser,
  eventsOf,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';
import { connect } from './helpers/ws.ts';

const CSAT = {
  id: 'csat',
  name: 'How did we do?',
  questions: [
    { id: 'score', type: 'rating', text: 'How satisfied are you?', required: true },
    { id: 'solved', type: 'choice', text: 'Was your problem solved?', options: ['Yes', 'No'] },
    { id: 'comment', type: 'text', text: 'Anything else?' },
    { id: 'again', type: 'rating', text: 'Would you chat with us again?' },
  ],
};
const ROOM2 = {
  id: 'room2',
  name: 'Room two',
  rooms: [2],
  questions: [{ id: 'r', type: 'rating', text: 'Rate' }],
};

describeEachStore('surveys', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  let agent: Person;

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Surveys app');
    other = await createTestApp(server, 'Other app');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        rooms: [
          { id: 1, name: 'General' },
          { id: 2, name: 'Sales' },
        ],
        surveys: [CSAT, ROOM2],
        survey: { onClose: 'csat' },
      },
    });
    agent = await createAgent(server, app, { maxChats: 50, rooms: [1, 2] });
  });
  after(() => server.close());

  /** A chat of a new end user with the agent in it and a line each; closed when `close` is given. */
  async function chat(close?: Json, body: Json = {}): Promise<{ user: Person; chat: Json }> {
    const user = await createUser(server, app);
    const created = await createChat(server, app, user, body);
    await expectStatus(server, 200, 'POST', `/v1/chats/${created.id}/join`, {
      headers: app.as(agent.token),
      body: {},
    });
    await expectStatus(server, 201, 'POST', `/v1/chats/${created.id}/messages`, {
      headers: app.as(agent.token),
      body: { message: 'Hello' },
    });
    if (close)
      await expectStatus(server, 200, 'DELETE', `/v1/chats/${created.id}`, {
        headers: app.as(user.token),
        body: close,
      });
    return { user, chat: created };
  }

  describe('settings', () => {
    const bad: Array<[string, Json]> = [
      ['duplicate survey ids', { surveys: [CSAT, CSAT] }],
      [
        'duplicate question ids',
        { surveys: [{ ...CSAT, questions: [CSAT.questions[0], CSAT.questions[0]] }] },
      ],
      [
        'a choice without options',
        { surveys: [{ ...CSAT, questions: [{ id: 'c', type: 'choice', text: 'Pick' }] }] },
      ],
      ['an unknown type', { surveys: [{ ...CSAT, questions: [{ id: 'c', type: 'stars', text: 'Pick' }] }] }],
      ['onClose naming no survey', { survey: { onClose: 'nope' } }],
      ['an unknown room', { surveys: [{ ...ROOM2, rooms: [9] }] }],
      ['no questions', { surveys: [{ ...CSAT, questions: [] }] }],
      ['removing the onClose survey', { surveys: [ROOM2] }],
    ];
    for (const [what, body] of bad) {
      it(`refuses ${what} with a 400 and changes nothing`, async () => {
        const res = await server.request('PUT', '/v1/settings', { headers: app.asApp, body });
        assertError(res, 400);
        const now = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: app.asApp });
        assert.deepEqual(
          now.body.settings.surveys.map((s: Json) => s.id),
          ['csat', 'room2'],
        );
        assert.equal(now.body.settings.survey.onClose, 'csat');
      });
    }

    it('has no surveys by default, and onClose may be set back to null', async () => {
      const fresh = await createTestApp(server, 'Fresh');
      const got = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: fresh.asApp });
      assert.deepEqual(got.body.settings.surveys, []);
      assert.deepEqual(got.body.settings.survey, { onClose: null });
      await expectStatus(server, 200, 'PUT', '/v1/settings', {
        headers: fresh.asApp,
        body: { surveys: [CSAT], survey: { onClose: 'csat' } },
      });
      const cleared = await expectStatus(server, 200, 'PUT', '/v1/settings', {
        headers: fresh.asApp,
        body: { survey: { onClose: null } },
      });
      assert.equal(cleared.body.settings.survey.onClose, null);
      assert.equal(cleared.body.settings.surveys.length, 1);
    });
  });

  describe('on close', () => {
    it('sends system:info {type: "survey"} to the end user after the close, with the ticket', async () => {
      const user = await createUser(server, app);
      const created = await createChat(server, app, user);
      const socket = await connect(server, app, { token: user.token });
      await expectStatus(server, 200, 'POST', `/v1/chats/${created.id}/join`, {
        headers: app.as(agent.token),
        body: {},
      });
      const agentSocket = await connect(server, app, { token: agent.token });
      // The secret closes it: the end user is no closer, and still hears the survey.
      await expectStatus(server, 200, 'DELETE', `/v1/chats/${created.id}`, { headers: app.asApp });
      const frames: Json[] = [];
      for (;;) {
        const frame = await socket.next(5000, 'the survey notice');
        frames.push(frame);
        if (frame.event === 'system:info' && frame.data.data.type === 'survey') break;
      }
      const events = frames.map((f) =>
        f.event === 'system:info' ? `system:info/${f.data.data.type}` : f.event,
      );
      assert.ok(events.indexOf('chats:close') < events.indexOf('system:info/survey'), events.join(', '));
      const notice = frames.at(-1)!.data;
      const ticket = (
        await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${created.id}`, { headers: app.asApp })
      ).body.tickets[0];
      assert.deepEqual(notice, {
        chatId: created.id,
        data: { type: 'survey', surveyId: 'csat', chatId: created.id, ticketId: ticket.id },
      });
      // Addressed to the end user alone: the agent hears the close and the ticket, not the survey.
      const agentFrames = await agentSocket.drain(400);
      assert.ok(agentFrames.some((f) => f.event === 'chats:close'));
      assert.ok(!agentFrames.some((f) => f.event === 'system:info' && f.data.data.type === 'survey'));
      // Webhooks and the stream carry it (the outbox holds it).
      const stored = (await eventsOf(server, app.id)).filter(
        (e) => e.trigger === 'system:info' && e.chatId === created.id && e.data.data.type === 'survey',
      );
      assert.equal(stored.length, 1);
      await socket.close();
      await agentSocket.close();
    });

    it('sends none when extraData.survey is false, or the survey is not for the chat’s room', async () => {
      const skipped = await chat({ extraData: { survey: false } });
      await expectStatus(server, 200, 'PUT', '/v1/settings', {
        headers: app.asApp,
        body: { survey: { onClose: 'room2' } },
      });
      try {
        const room1 = await chat({});
        const room2 = await chat({}, { room: 2 });
        const notices = (await eventsOf(server, app.id)).filter(
          (e) => e.trigger === 'system:info' && e.data.data.type === 'survey',
        );
        const chats = new Set(notices.map((e) => e.chatId));
        assert.ok(!chats.has(skipped.chat.id));
        assert.ok(!chats.has(room1.chat.id));
        assert.ok(chats.has(room2.chat.id));
        assert.equal(notices.find((e) => e.chatId === room2.chat.id)!.data.data.surveyId, 'room2');
      } finally {
        await expectStatus(server, 200, 'PUT', '/v1/settings', {
          headers: app.asApp,
          body: { survey: { onClose: 'csat' } },
        });
      }
    });
  });

  describe('GET /surveys/{id}', () => {
    it('gives the creator and the secret the survey and a page url; others 403 or 404', async () => {
      const { user, chat: c } = await chat({});
      const url = `/v1/surveys/csat?sourceType=chat&sourceId=${c.id}`;
      const mine = await expectStatus(server, 200, 'GET', url, { headers: app.as(user.token) });
      assert.equal(mine.body.survey.id, 'csat');
      assert.deepEqual(mine.body.survey.questions, CSAT.questions);
      assert.match(mine.body.survey.url, /^http:\/\/[^/]+\/survey\/\?t=[\w-]+\.[\w-]+$/);
      await expectStatus(server, 200, 'GET', url, { headers: app.asApp });
      // By the ticket too.
      const ticket = (
        await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${c.id}`, { headers: app.asApp })
      ).body.tickets[0];
      await expectStatus(server, 200, 'GET', `/v1/surveys/csat?sourceType=ticket&sourceId=${ticket.id}`, {
        headers: app.as(user.token),
      });
      const stranger = await createUser(server, app);
      assertError(await server.request('GET', url, { headers: app.as(stranger.token) }), 404);
      assertError(await server.request('GET', url, { headers: app.as(agent.token) }), 403);
      assertError(
        await server.request('GET', `/v1/surveys/nope?sourceType=chat&sourceId=${c.id}`, {
          headers: app.asApp,
        }),
        404,
      );
      assertError(await server.request('GET', url, { headers: other.asApp }), 404);
      assertError(
        await server.request('GET', `/v1/surveys/csat?sourceType=mail&sourceId=${c.id}`, {
          headers: app.asApp,
        }),
        400,
      );
    });
  });

  describe('POST /surveys/{id}/submit', () => {
    it('records one response per chat (201, then 409), sets the chat’s rating, emits surveys:response', async () => {
      const { user, chat: c } = await chat({});
      const body = {
        sourceType: 'chat',
        sourceId: c.id,
        answers: [
          { questionId: 'comment', value: '  Quick and kind  ' },
          { questionId: 'score', value: 4 },
          { questionId: 'solved', value: 'Yes' },
          { questionId: 'again', value: 2 },
        ],
      };
      const res = await expectStatus(server, 201, 'POST', '/v1/surveys/csat/submit', {
        headers: app.as(user.token),
        body,
      });
      const response = res.body.response;
      assert.equal(response.chatId, c.id);
      assert.equal(response.userId, user.id);
      assert.equal(response.rating, 4);
      assert.deepEqual(response.agentIds, [agent.id]);
      assert.deepEqual(response.answers, [
        { questionId: 'score', value: 4 },
        { questionId: 'solved', value: 'Yes' },
        { questionId: 'comment', value: 'Quick and kind' },
        { questionId: 'again', value: 2 },
      ]);
      const again = await server.request('POST', '/v1/surveys/csat/submit', {
        headers: app.as(user.token),
        body,
      });
      assertError(again, 409);
      assertError(await server.request('POST', '/v1/surveys/csat/submit', { headers: app.asApp, body }), 409);
      const got = await expectStatus(server, 200, 'GET', `/v1/chats/${c.id}`, { headers: app.asApp });
      assert.equal(got.body.chat.rating, 4);
      // Past chats filter on it (docs/search.md); a rating out of 1–5 is a 400.
      const rated = async (rating: number) =>
        (
          (
            await expectStatus(server, 200, 'GET', `/v1/chats?status=closed&rating=${rating}&limit=200`, {
              headers: app.asApp,
            })
          ).body.chats as Json[]
        ).map((listed) => listed.id);
      assert.ok((await rated(4)).includes(c.id));
      assert.ok(!(await rated(5)).includes(c.id));
      assertError(await server.request('GET', '/v1/chats?rating=6', { headers: app.asApp }), 400);
      const emitted = (await eventsOf(server, app.id)).filter((e) => e.trigger === 'surveys:response');
      assert.deepEqual(emitted.at(-1)!.data, {
        surveyId: 'csat',
        chatId: c.id,
        userId: user.id,
        rating: 4,
        created: response.created,
      });
    });

    it('enforces required questions and checks values by type (400, nothing recorded)', async () => {
      const { user, chat: c } = await chat({});
      const submit = (answers: Json[]) =>
        server.request('POST', '/v1/surveys/csat/submit', {
          headers: app.as(user.token),
          body: { sourceType: 'chat', sourceId: c.id, answers },
        });
      for (const answers of [
        [],
        [{ questionId: 'comment', value: 'no score' }],
        [{ questionId: 'score', value: 6 }],
        [{ questionId: 'score', value: 0 }],
        [{ questionId: 'score', value: '5' }],
        [
          { questionId: 'score', value: 5 },
          { questionId: 'solved', value: 'Maybe' },
        ],
        [
          { questionId: 'score', value: 5 },
          { questionId: 'comment', value: 3 },
        ],
        [
          { questionId: 'score', value: 5 },
          { questionId: 'ghost', value: 'x' },
        ],
        [
          { questionId: 'score', value: 5 },
          { questionId: 'score', value: 4 },
        ],
      ]) {
        const res = await submit(answers);
        assertError(res, 400);
        assert.ok(Array.isArray((res.body as Json).error.details), res.text);
      }
      const chatNow = await expectStatus(server, 200, 'GET', `/v1/chats/${c.id}`, { headers: app.asApp });
      assert.equal(chatNow.body.chat.rating, undefined);
      await expectStatus(server, 201, 'POST', '/v1/surveys/csat/submit', {
        headers: app.as(user.token),
        body: { sourceType: 'chat', sourceId: c.id, answers: [{ questionId: 'score', value: 5 }] },
      });
    });

    it('refuses an open chat (409), other people (403/404) and other apps (404)', async () => {
      const { user, chat: open } = await chat();
      const body = { sourceType: 'chat', sourceId: open.id, answers: [{ questionId: 'score', value: 3 }] };
      assertError(
        await server.request('POST', '/v1/surveys/csat/submit', { headers: app.as(user.token), body }),
        409,
      );
      await expectStatus(server, 200, 'DELETE', `/v1/chats/${open.id}`, { headers: app.asApp });
      const stranger = await createUser(server, app);
      assertError(
        await server.request('POST', '/v1/surveys/csat/submit', { headers: app.as(stranger.token), body }),
        404,
      );
      assertError(
        await server.request('POST', '/v1/surveys/csat/submit', { headers: app.as(agent.token), body }),
        403,
      );
      assertError(
        await server.request('POST', '/v1/surveys/csat/submit', { headers: other.asApp, body }),
        404,
      );
      await expectStatus(server, 201, 'POST', '/v1/surveys/csat/submit', { headers: app.asApp, body });
    });

    it('refuses answers after the 7-day window (409)', async () => {
      const { user, chat: c } = await chat({});
      await server.sb.store.db
        .updateTable('chats')
        .set({ closed: Math.floor(Date.now() / 1000) - 7 * 24 * 3600 - 5 })
        .where('id', '=', c.id)
        .execute();
      const res = await server.request('POST', '/v1/surveys/csat/submit', {
        headers: app.as(user.token),
        body: { sourceType: 'chat', sourceId: c.id, answers: [{ questionId: 'score', value: 3 }] },
      });
      assertError(res, 409, /window/);
    });
  });

  describe('the hosted page', () => {
    it('is framable (frame-ancestors, no X-Frame-Options), answers once by form post, refuses bad links', async () => {
      const { user, chat: c } = await chat({});
      const got = await expectStatus(
        server,
        200,
        'GET',
        `/v1/surveys/csat?sourceType=chat&sourceId=${c.id}`,
        {
          headers: app.as(user.token),
        },
      );
      const link = new URL(got.body.survey.url);
      const page = await server.request('GET', `${link.pathname}${link.search}`);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /text\/html/);
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors \*/);
      assert.match(String(page.headers['content-security-policy']), /script-src 'self' 'sha256-/);
      assert.equal(page.headers['x-frame-options'], undefined);
      assert.match(page.text, /aria-label="Survey"/);
      assert.match(page.text, /Send survey/);
      // Every other page keeps frame-ancestors 'none'.
      const docs = await server.request('GET', '/docs');
      assert.match(String(docs.headers['content-security-policy']), /frame-ancestors 'none'/);
      const token = link.searchParams.get('t')!;
      const post = (fields: Record<string, string>) =>
        server.request('POST', '/survey/', {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
        });
      const missing = await post({ t: token, 'q.comment': 'no score' });
      assert.equal(missing.status, 400);
      assert.match(missing.text, /Please answer: How satisfied are you\?/);
      assert.match(missing.text, /no score/);
      const done = await post({ t: token, 'q.score': '2', 'q.solved': 'No' });
      assert.equal(done.status, 201, done.text);
      assert.match(done.text, /inbenta\.survey\.successful_answer/);
      const chatNow = await expectStatus(server, 200, 'GET', `/v1/chats/${c.id}`, { headers: app.asApp });
      assert.equal(chatNow.body.chat.rating, 2);
      assert.equal((await post({ t: token, 'q.score': '3' })).status, 409);
      assert.equal((await server.request('GET', `${link.pathname}${link.search}`)).status, 409);
      const forged = `${token.split('.')[0]}.${'A'.repeat(43)}`;
      assert.equal((await server.request('GET', `/survey/?t=${forged}`)).status, 404);
      assert.equal((await server.request('GET', '/survey/')).status, 404);
    });
  });

  describe('GET /surveys/{id}/responses', () => {
    it('pages the responses, filters them, and scopes a supervisor to its rooms', async () => {
      const fresh = await createTestApp(server, 'Responses app');
      await expectStatus(server, 200, 'PUT', '/v1/settings', {
        headers: fresh.asApp,
        body: {
          rooms: [
            { id: 1, name: 'General' },
            { id: 2, name: 'Sales' },
          ],
          surveys: [CSAT],
          survey: { onClose: 'csat' },
        },
      });
      const a1 = await createAgent(server, fresh, { rooms: [1, 2], maxChats: 50 });
      const a2 = await createAgent(server, fresh, { rooms: [2], maxChats: 50 });
      const made: Json[] = [];
      for (const [room, who, score] of [
        [1, a1, 5],
        [2, a2, 1],
        [2, a1, 3],
      ] as const) {
        const user = await createUser(server, fresh);
        const c = await createChat(server, fresh, user, { room });
        await expectStatus(server, 200, 'POST', `/v1/chats/${c.id}/join`, {
          headers: fresh.as(who.token),
          body: {},
        });
        await expectStatus(server, 200, 'DELETE', `/v1/chats/${c.id}`, { headers: fresh.asApp });
        const res = await expectStatus(server, 201, 'POST', '/v1/surveys/csat/submit', {
          headers: fresh.as(user.token),
          body: { sourceType: 'chat', sourceId: c.id, answers: [{ questionId: 'score', value: score }] },
        });
        made.push(res.body.response);
      }
      const list = (query: string, headers = fresh.asApp) =>
        server.request('GET', `/v1/surveys/csat/responses${query}`, { headers });
      const all = await list('');
      assert.equal(all.status, 200, all.text);
      assert.deepEqual(
        all.body.responses.map((r: Json) => r.chatId),
        made.map((r) => r.chatId).reverse(),
      );
      for (const r of all.body.responses)
        assert.deepEqual(Object.keys(r).sort(), [
          'agentIds',
          'answers',
          'chatId',
          'created',
          'id',
          'rating',
          'room',
          'surveyId',
          'userId',
        ]);
      const first = await list('?limit=2');
      assert.equal(first.body.responses.length, 2);
      assert.equal(typeof first.body.next, 'string');
      const second = await list(`?limit=2&cursor=${first.body.next}`);
      assert.deepEqual(
        second.body.responses.map((r: Json) => r.chatId),
        [made[0]!.chatId],
      );
      assert.equal(second.body.next, null);
      assert.deepEqual(
        (await list('?room=2')).body.responses.map((r: Json) => r.rating),
        [3, 1],
      );
      assert.deepEqual(
        (await list(`?agent=${a2.id}`)).body.responses.map((r: Json) => r.rating),
        [1],
      );
      const created = made[0]!.created;
      assert.equal((await list(`?from=${created + 3600}`)).body.responses.length, 0);
      assert.equal((await list(`?to=${created - 3600}`)).body.responses.length, 0);
      assert.equal((await list(`?from=${created}&to=${created + 3600}`)).body.responses.length, 3);
      // Another app's secret sees none of them.
      assert.deepEqual((await list('', other.asApp)).body.responses, []);
      // A supervisor of room 2 sees room 2's only; agents and end users none.
      await expectStatus(server, 201, 'POST', '/v1/agents', {
        headers: fresh.asApp,
        body: {
          name: 'Sue',
          contact: `sue-${kind}@example.com`,
          password: 'pw-123456',
          rooms: [2],
          role: 'supervisor',
        },
      });
      const sue = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
        headers: fresh.asApp,
        body: { contact: `sue-${kind}@example.com`, password: 'pw-123456' },
      });
      const asSue = fresh.as(sue.body.session.token);
      assert.deepEqual(
        (await list('', asSue)).body.responses.map((r: Json) => r.room),
        [2, 2],
      );
      assertError(await list('?room=1', asSue), 403);
      assertError(await list('', fresh.as(a1.token)), 403);
      const endUser = await createUser(server, fresh);
      assertError(await list('', fresh.as(endUser.token)), 403);
      assertError(await list('?cursor=%%%'), 400);
    });
  });
});
