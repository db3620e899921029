import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  createAgent,
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';

/**
 * What one message costs PostgreSQL: every query a request sends (BEGIN and COMMIT included), counted
 * in-process by wrapping pg's Client.query for the duration of that one request only — background
 * work (timers, presence, the dispatcher) runs in other async contexts and is not counted. Each query
 * is one round trip (the pool does not pipeline). The bounds below are today's figures: a change that
 * adds a round trip to the commonest write fails here.
 */
const MAX_ROUND_TRIPS = { secret: 5, token: 5 } as const;

const counting = new AsyncLocalStorage<string[]>();
const originalQuery = pg.Client.prototype.query;

/** The query's text; a named (prepared) statement's with its name in front, `[sb3] select …`. */
function queryText(config: unknown): string {
  if (typeof config === 'string') return config;
  const { text, name } = (config ?? {}) as { text?: unknown; name?: unknown };
  if (typeof text !== 'string') return '(query object)';
  return typeof name === 'string' ? `[${name}] ${text}` : text;
}

/** The queries `run` sends, in order, as one-line texts. */
async function queriesOf<T>(run: () => Promise<T>): Promise<{ result: T; queries: string[] }> {
  const queries: string[] = [];
  const result = await counting.run(queries, run);
  return { result, queries: queries.map((q) => q.replace(/\s+/g, ' ').trim()) };
}

describe('PostgreSQL round trips per message', { skip: !process.env.SWITCHBOARD_TEST_DATABASE_URL }, () => {
  let server: TestServer;
  let app: TestApp;
  let user: Person;
  let agent: Person;
  let chat: Json;
  before(async () => {
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      counting.getStore()?.push(queryText(args[0]));
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof originalQuery;
    server = await startServer('postgres');
    app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    user = await createUser(server, app);
    agent = await createAgent(server, app);
    chat = await createChat(server, app, user);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, { headers: app.as(agent.token) });
  });
  after(async () => {
    pg.Client.prototype.query = originalQuery;
    await server.close();
  });

  async function sendCounted(headers: Record<string, string>, body: (i: number) => Json): Promise<string[]> {
    // The first send of each kind warms what is per connection; the second is the steady state.
    let last: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { result, queries } = await queriesOf(() =>
        server.request('POST', `/v1/chats/${chat.id}/messages`, { headers, body: body(i) }),
      );
      assert.equal(result.status, 201, result.text);
      last = queries;
    }
    return last;
  }

  function report(t: { diagnostic(message: string): void }, who: string, queries: string[]): void {
    t.diagnostic(`${who}: ${queries.length} round trips`);
    for (const q of queries) t.diagnostic(`  ${q.length > 150 ? `${q.slice(0, 150)}…` : q}`);
  }

  it('the app server (secret) sends in a bounded number of round trips', async (t) => {
    const queries = await sendCounted(app.asApp, () => ({ sender: user.id, message: 'from the app' }));
    report(t, 'secret', queries);
    assert.ok(queries.length >= 3, 'the counter sees the transaction');
    assert.ok(queries.length <= MAX_ROUND_TRIPS.secret, `${queries.length} round trips`);
  });

  it('an end user (token) sends in a bounded number of round trips', async (t) => {
    const queries = await sendCounted(app.as(user.token), () => ({ message: 'from the user' }));
    report(t, 'user token', queries);
    assert.ok(queries.length <= MAX_ROUND_TRIPS.token, `${queries.length} round trips`);
    // Everything but BEGIN and COMMIT goes out as a named statement, parsed once per connection.
    const unnamed = queries.filter((q) => !q.startsWith('[') && q !== 'begin' && q !== 'commit');
    assert.deepEqual(unnamed, []);
  });

  it('an agent (token) sends in a bounded number of round trips', async (t) => {
    const queries = await sendCounted(app.as(agent.token), () => ({ message: 'from the agent' }));
    report(t, 'agent token', queries);
    assert.ok(queries.length <= MAX_ROUND_TRIPS.token, `${queries.length} round trips`);
  });

  it('a refused send leaves nothing behind (its row went in before the checks)', async () => {
    const count = async () =>
      Number(
        (
          await server.sb.store.db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('chatId', '=', chat.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const stranger = await createUser(server, app);
    const refused = [
      await server.request('POST', `/v1/chats/${chat.id}/messages`, {
        headers: app.asApp,
        body: { sender: stranger.id, message: 'not in the chat' },
      }),
      await server.request('POST', `/v1/chats/${chat.id}/messages`, {
        headers: app.as(stranger.token),
        body: { message: 'cannot see it' },
      }),
      await server.request('POST', `/v1/chats/${chat.id}/messages`, {
        headers: app.as(user.token),
        body: { message: 'as the app', type: 'system' },
      }),
    ];
    assert.deepEqual(
      refused.map((r) => r.status),
      [403, 404, 403],
    );
    assert.equal(await count(), before);
    const next = await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
      body: { message: 'next' },
    });
    assert.equal(next.body.message.seq, before + 1, 'no seq was used up');
  });

  it('a send that waited for a participant change sees it (the one-statement read falls back)', async (t) => {
    // Another transaction holds the chat's row lock, as a join does, and adds an agent.
    const late = await createAgent(server, app);
    const other = new pg.Client({
      connectionString: process.env.SWITCHBOARD_TEST_DATABASE_URL,
      options: `-c search_path=${server.schema}`,
    });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('update chats set last_seq = last_seq where id = $1', [chat.id]);
      await other.query('insert into chat_users (chat_id, user_id, app_id, joined) values ($1, $2, $3, $4)', [
        chat.id,
        late.id,
        app.id,
        Math.floor(Date.now() / 1000),
      ]);
      // The app sends as that agent: only a participant read after the lock lets it.
      const sending = queriesOf(() =>
        server.request('POST', `/v1/chats/${chat.id}/messages`, {
          headers: app.asApp,
          body: { sender: late.id, message: 'sent while the join was committing' },
        }),
      );
      await waitFor(async () => {
        // Activity is a snapshot per transaction, and this client is in one: look afresh.
        await other.query('select pg_stat_clear_snapshot()');
        const { rows } = await other.query(
          "select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%with bumped as%'",
        );
        return rows.length > 0;
      });
      await other.query('commit');
      const { result, queries } = await sending;
      report(t, 'secret, after waiting for a join', queries);
      assert.equal(result.status, 201, result.text);
      assert.equal((result.body as Json).message.sender, late.id);
      // Its first statement found the chat changed since its snapshot, wrote nothing, and it asked again.
      const seqTakers = queries.filter((q) => /update "?chats"? set "?last_seq"?/.test(q));
      assert.ok(seqTakers.length >= 2, 'asked again');
      // Its audience has the agent that joined while it waited.
      const { rows } = await other.query(
        'select key from realtime_audience a join events e on e.app_id = a.app_id and e.position = a.position where e.id = $1',
        [(result.body as Json).eventId],
      );
      assert.ok(
        rows.some((r: { key: string }) => r.key === `u:${late.id}`),
        JSON.stringify(rows),
      );
    } finally {
      await other.end();
    }
  });

  it('a new clientId (idempotent send) costs at most three more', async (t) => {
    const queries = await sendCounted(app.as(user.token), (i) => ({ message: 'once', clientId: `c-${i}` }));
    report(t, 'user token + clientId', queries);
    assert.ok(queries.length <= MAX_ROUND_TRIPS.token + 3, `${queries.length} round trips`);
  });

  it('a column added under a running node: reads prepare again at once, a send fails at most once per connection', async (t) => {
    const other = new pg.Client({
      connectionString: process.env.SWITCHBOARD_TEST_DATABASE_URL,
      options: `-c search_path=${server.schema}`,
    });
    await other.connect();
    try {
      const send = () =>
        server.request('POST', `/v1/chats/${chat.id}/messages`, {
          headers: app.asApp,
          body: { sender: user.id, message: 'after a migration' },
        });
      // Several requests at once, so several connections have the statements prepared.
      const warm = await Promise.all(Array.from({ length: 8 }, send));
      assert.deepEqual(
        warm.map((r) => r.status),
        warm.map(() => 201),
      );
      await other.query('alter table apps add column note text');
      await other.query('alter table chats add column note text');
      // The app is read outside a transaction: asked again under a fresh name, never failing.
      const reads = await Promise.all(
        Array.from({ length: 8 }, () => server.request('GET', '/v1/settings', { headers: app.asApp })),
      );
      assert.deepEqual(
        reads.map((r) => r.status),
        reads.map(() => 200),
      );
      // The send's chat statement is in a transaction: each connection that had it fails once.
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) statuses.push((await send()).status);
      t.diagnostic(`sends after the migration: ${statuses.join(' ')}`);
      assert.ok(statuses.filter((s) => s !== 201).length <= 10, statuses.join(' '));
      assert.deepEqual(statuses.slice(-3), [201, 201, 201], statuses.join(' '));
    } finally {
      await other.end();
    }
  });
});
