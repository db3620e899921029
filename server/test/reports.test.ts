import assert from 'node:assert/strict';
import { after, before, it, mock } from 'node:test';
import { audienceOf } from '../src/events/audience.ts';
import { commitChange } from '../src/events/commit.ts';
import { rebuildReports } from '../src/reports/project.ts';
import { parseCsv } from './helpers/csv.ts';
import { assertError, createTestApp, expectStatus, type Person, type TestApp } from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';

/**
 * Reports (docs/reports.md) against a seeded history driven through the API with the clock under the
 * test's control (node:test's Date mock): every series and total of the chats report is recounted by
 * brute force from the chats' own REST reads (created, closed, closer, messages) and the waits the
 * script chose; the projection rebuilt from scratch gives the same numbers; day buckets in
 * Europe/Madrid across the October 2026 change of the clocks; supervisor scoping; bad ranges; the CSV
 * export parsed back.
 */

/**
 * Chats seeded: 1500 on SQLite; fewer on PostgreSQL, whose round trips on a shared test machine cost
 * ten times more (the same script, the same checks, spread over the same eight days).
 */
const chatsOn = (kind: string) =>
  Number(process.env.REPORTS_TEST_CHATS ?? (kind === 'postgres' ? 150 : 1500));
/** 2026-10-22T08:00:00Z: the history runs over Sunday 25 October, when Madrid's clocks go back. */
const T0 = Date.UTC(2026, 9, 22, 8) / 1000;
const DAY = 86_400;

type Kind = 'answered' | 'abandoned' | 'unanswered' | 'open';

interface Planned {
  id: string;
  kind: Kind;
  room: number;
  created: number;
  /** An agent serving its room was online while it waited (status changes only between chats). */
  online: boolean;
  wait?: number;
  agent?: string;
  rating?: number;
}

const kindOf = (i: number): Kind =>
  i % 10 === 9 ? 'open' : i % 7 === 3 ? 'abandoned' : i % 5 === 4 ? 'unanswered' : 'answered';

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

describeEachStore('reports', (kind) => {
  const CHATS = chatsOn(kind);
  /** One chat every STEP seconds over eight days (a chat lasts at most 400 s). */
  const STEP = Math.max(480, Math.floor((8 * DAY) / CHATS));
  let server: TestServer;
  let app: TestApp;
  const clock = { now: T0 };
  const at = (seconds: number) => {
    clock.now = seconds;
    mock.timers.setTime(seconds * 1000);
  };
  const agents: Record<'a1' | 'a2' | 'sup', Person & { contact: string }> = {} as never;
  const users: Person[] = [];
  const planned: Planned[] = [];
  /** Facts recounted from REST, per chat id. */
  const truth = new Map<string, Json>();

  const req = (method: string, url: string, headers: Record<string, string>, body?: unknown, status = 200) =>
    expectStatus(server, status, method, url, { headers, ...(body !== undefined ? { body } : {}) });

  async function addAgent(name: string, rooms: number[], role = 'agent') {
    const contact = `${name}-${kind}@example.com`;
    const made = await req(
      'POST',
      '/v1/agents',
      app.asApp,
      { name, contact, password: 'pw-123456', rooms, role },
      201,
    );
    return { id: made.body.agent.id as string, token: '', contact };
  }
  async function login(agent: { contact: string; token: string }) {
    const res = await req('POST', '/v1/agents/login', app.asApp, {
      contact: agent.contact,
      password: 'pw-123456',
    });
    agent.token = res.body.session.token;
  }
  const setStatus = (id: string, status: string) => req('PUT', `/v1/agents/${id}`, app.asApp, { status });

  before(
    async () => {
      mock.timers.enable({ apis: ['Date'], now: T0 * 1000 });
      server = await startServer(kind);
      app = await createTestApp(server, 'Reports');
      await req('PUT', '/v1/settings', app.asApp, {
        rooms: [
          { id: 1, name: 'Sales' },
          { id: 2, name: 'Support' },
        ],
        assign: { onCreate: false },
      });
      agents.a1 = await addAgent('Ana', [1]);
      agents.a2 = await addAgent('Bo', [1, 2]);
      agents.sup = await addAgent('Sue', [2], 'supervisor');
      for (const agent of Object.values(agents)) await login(agent); // online at T0
      // Each end user comes back within six hours (sessions of unused tokens lapse).
      for (let u = 0; u < Math.max(2, Math.min(40, Math.floor((6 * 3600) / STEP))); u++) {
        const res = await req('POST', '/v1/users', app.asApp, { name: `User ${u}` }, 201);
        users.push({ id: res.body.user.id, token: res.body.session.token });
      }
      // The seeded history: one chat every STEP seconds, each done before the next starts.
      let anaOnline = true;
      let boOnline = true;
      for (let i = 0; i < CHATS; i++) {
        const start = T0 + 60 + i * STEP;
        // Status changes between chats: Ana away, back; Bo signs out, then in again; Sue offline at night.
        if (i % 50 === 10) {
          at(start - 30);
          await setStatus(agents.a1.id, 'away');
          anaOnline = false;
        }
        if (i % 50 === 20) {
          at(start - 30);
          await setStatus(agents.a1.id, 'online');
          anaOnline = true;
        }
        if (i % 120 === 30) {
          at(start - 20);
          await req('POST', '/v1/agents/logout', app.asApp, { agentId: agents.a2.id });
          boOnline = false;
        }
        if (i % 120 === 60) {
          at(start - 20);
          await login(agents.a2);
          boOnline = true;
        }
        const room = i % 3 === 0 ? 2 : 1;
        // Room 2: Sue (online all along); room 1: Ana or Bo, whoever is online (nobody, some nights).
        const available =
          room === 2
            ? agents.sup
            : anaOnline && (i % 2 === 0 || !boOnline)
              ? agents.a1
              : boOnline
                ? agents.a2
                : undefined;
        let kind = kindOf(i);
        if (kind === 'answered' && !available) kind = 'unanswered';
        // A chat left open keeps its end user busy: it gets one of its own.
        const user =
          kind === 'open'
            ? await req('POST', '/v1/users', app.asApp, { name: `Open ${i}` }, 201).then((r) => ({
                id: r.body.user.id as string,
                token: r.body.session.token as string,
              }))
            : users[i % users.length]!;
        at(start);
        const chat = await req('POST', '/v1/chats', app.as(user.token), { room }, 201);
        const id = chat.body.chat.id as string;
        const plan: Planned = { id, kind, room, created: start, online: available !== undefined };
        planned.push(plan);
        if (kind === 'answered') {
          const agent = available!;
          plan.agent = agent.id;
          plan.wait = ((i * 37) % 290) + 5;
          at(start + plan.wait);
          await req('POST', `/v1/chats/${id}/join`, app.asApp, { userId: agent.id });
          if (i % 4 === 0) {
            // A note first: never a first response.
            at(start + plan.wait + 3);
            await req(
              'POST',
              `/v1/chats/${id}/messages`,
              app.asApp,
              { sender: agent.id, message: 'vip', visibility: 'agents' },
              201,
            );
          }
          at(start + plan.wait + ((i * 13) % 60) + 5);
          await req(
            'POST',
            `/v1/chats/${id}/messages`,
            app.asApp,
            { sender: agent.id, message: 'Hello!' },
            201,
          );
          at(start + plan.wait + 100 + ((i * 7) % 200));
          await req('POST', `/v1/chats/${id}/messages`, app.as(user.token), { message: 'Thanks' }, 201);
          at(start + 400);
          if (i % 3 === 1) await req('DELETE', `/v1/chats/${id}`, app.as(user.token), {});
          else await req('DELETE', `/v1/chats/${id}?userId=${agent.id}`, app.asApp, {});
          if (i % 4 === 1) plan.rating = (i % 5) + 1;
        } else if (kind === 'abandoned') {
          at(start + ((i * 11) % 200) + 10);
          await req('DELETE', `/v1/chats/${id}`, app.as(user.token), {});
        } else if (kind === 'unanswered') {
          at(start + 300);
          await req('DELETE', `/v1/chats/${id}`, app.asApp, {});
        }
      }
      // Ratings: survey answers as `surveys:response` events (no survey route in this branch yet).
      const ctx = server.sb.ctx;
      for (const plan of planned.filter((p) => p.rating !== undefined)) {
        await commitChange(ctx, app.id, async (_tx, emit) => {
          await emit({
            trigger: 'surveys:response',
            chatId: plan.id,
            data: {
              surveyId: 's1',
              chatId: plan.id,
              userId: 'u',
              rating: plan.rating!,
              created: plan.created + 500,
            },
          });
        });
      }
      at(T0 + 60 + CHATS * STEP + 600);
      // Fresh sessions for the checks below (the seeded days outlast a token left unused): Ana and Sue
      // are online now, so signing in again changes no status.
      await login(agents.a1);
      await login(agents.sup);
      const late = await req('POST', '/v1/users', app.asApp, { name: 'Late' }, 201);
      users.unshift({ id: late.body.user.id, token: late.body.session.token });
      // The truth from REST: every chat as the API shows it, its messages for the first response.
      for (const plan of planned) {
        const chat = (await req('GET', `/v1/chats/${plan.id}`, app.asApp)).body.chat as Json;
        const messages = (await req('GET', `/v1/chats/${plan.id}/messages?limit=200`, app.asApp)).body
          .messages as Json[];
        const agentIds = new Set(Object.values(agents).map((a) => a.id));
        const first = messages.find((m) => agentIds.has(m.sender) && m.visibility !== 'agents');
        truth.set(plan.id, { chat, firstResponse: first ? first.created - chat.created : null });
      }
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await server?.close();
    mock.timers.reset();
  });

  /** The report's numbers recounted: chats as REST shows them, waits and availability as the script made them. */
  function expectedStats(plans: Planned[]): Json {
    const waits: number[] = [];
    const firsts: number[] = [];
    const durations: number[] = [];
    const ratings: number[] = [];
    let missed = 0;
    let abandoned = 0;
    for (const plan of plans) {
      const { chat, firstResponse } = truth.get(plan.id)!;
      assert.equal(chat.created, plan.created);
      if (plan.wait !== undefined) waits.push(plan.wait);
      if (firstResponse !== null) firsts.push(firstResponse);
      if (chat.closed !== undefined) durations.push(chat.closed - chat.created);
      if (chat.closed !== undefined && plan.wait === undefined) {
        if (chat.closedBy === chat.creator) abandoned++;
        if (plan.online) missed++;
      }
      if (plan.rating !== undefined) ratings.push(plan.rating);
    }
    return {
      chats: plans.length,
      answered: waits.length,
      missed,
      abandoned,
      waitP50: percentile(waits, 50),
      waitP90: percentile(waits, 90),
      firstResponseP50: percentile(firsts, 50),
      firstResponseP90: percentile(firsts, 90),
      durationP50: percentile(durations, 50),
      ratings: ratings.length,
      ratingAvg: ratings.length
        ? Math.round((ratings.reduce((s, r) => s + r, 0) / ratings.length) * 100) / 100
        : null,
      csat: ratings.length
        ? Math.round((ratings.filter((r) => r >= 4).length / ratings.length) * 10_000) / 10_000
        : null,
    };
  }

  const FROM = T0;
  const TO = T0 + 60 + CHATS * STEP;

  async function report(query: string, headers = app.asApp): Promise<Json> {
    return (await req('GET', `/v1/reports/chats?${query}`, headers)).body;
  }

  it('every bucket and the totals equal a recount from the chats themselves (UTC days)', async () => {
    const body = await report(`from=${FROM}&to=${TO}&interval=day`);
    assert.deepEqual(body.totals, expectedStats(planned));
    assert.ok(
      body.totals.answered > 0 && body.totals.abandoned > 0 && body.totals.missed > body.totals.abandoned,
    );
    for (const [i, bucket] of body.series.entries()) {
      const end = body.series[i + 1]?.start ?? TO;
      assert.equal(end - bucket.start, i === 0 || i === body.series.length - 1 ? end - bucket.start : DAY);
      const { start, ...stats } = bucket;
      const inside = planned.filter((p) => p.created >= Math.max(start, FROM) && p.created < end);
      assert.deepEqual(stats, expectedStats(inside), `bucket ${new Date(start * 1000).toISOString()}`);
    }
  });

  it('day buckets in Europe/Madrid: local midnights, the 25th lasts 25 hours', async () => {
    const body = await report(`from=${FROM}&to=${TO}&interval=day&tz=Europe/Madrid`);
    const starts = body.series.map((b: Json) => b.start as number);
    // 22 October, 00:00 CEST = 21 October 22:00Z; 26 October, 00:00 CET = 25 October 23:00Z.
    assert.equal(starts[0], Date.UTC(2026, 9, 21, 22) / 1000);
    const sunday = starts.indexOf(Date.UTC(2026, 9, 24, 22) / 1000);
    assert.notEqual(sunday, -1);
    assert.equal(starts[sunday + 1] - starts[sunday], 25 * 3600);
    assert.equal(starts[sunday + 2] - starts[sunday + 1], 24 * 3600);
    for (const [i, bucket] of body.series.entries()) {
      const end = body.series[i + 1]?.start ?? TO;
      const inside = planned.filter((p) => p.created >= Math.max(bucket.start, FROM) && p.created < end);
      assert.equal(bucket.chats, inside.length);
    }
    assert.equal(
      body.series.reduce((sum: number, b: Json) => sum + b.chats, 0),
      planned.length,
    );
  });

  it('hour and week buckets, room and agent filters', async () => {
    const hours = await report(`from=${FROM}&to=${FROM + 2 * DAY}&interval=hour`);
    assert.equal(hours.series.length, 48);
    const weeks = await report(`from=${FROM}&to=${TO}&interval=week&tz=Europe/Madrid`);
    // Weeks start on Monday, local midnight: 19 October 2026 00:00 CEST.
    assert.equal(weeks.series[0].start, Date.UTC(2026, 9, 18, 22) / 1000);
    const room2 = await report(`from=${FROM}&to=${TO}&room=2`);
    assert.deepEqual(room2.totals, expectedStats(planned.filter((p) => p.room === 2)));
    const ana = await report(`from=${FROM}&to=${TO}&agent=${agents.a1.id}`);
    assert.deepEqual(ana.totals, expectedStats(planned.filter((p) => p.agent === agents.a1.id)));
  });

  it('the projection rebuilt from scratch gives the same numbers', async () => {
    const before = await report(`from=${FROM}&to=${TO}&interval=day&tz=Europe/Madrid`);
    const agentsBefore = (await req('GET', `/v1/reports/agents?from=${FROM}&to=${TO}`, app.asApp)).body;
    await rebuildReports(server.sb.store, app.id);
    assert.deepEqual(await report(`from=${FROM}&to=${TO}&interval=day&tz=Europe/Madrid`), before);
    assert.deepEqual(
      (await req('GET', `/v1/reports/agents?from=${FROM}&to=${TO}`, app.asApp)).body,
      agentsBefore,
    );
  });

  it('the agents report: chats, first responses, online and away time from the status events', async () => {
    const body = (await req('GET', `/v1/reports/agents?from=${FROM}&to=${TO}`, app.asApp)).body;
    const ana = body.agents.find((a: Json) => a.id === agents.a1.id);
    const mine = planned.filter((p) => p.agent === agents.a1.id);
    assert.equal(ana.name, 'Ana');
    assert.equal(ana.chats, mine.length);
    assert.equal(
      ana.firstResponseP50,
      percentile(
        mine.map((p) => truth.get(p.id)!.firstResponse),
        50,
      ),
    );
    // Ana: online from T0, away 10 chats of every 50 (from 30 s before chat 10 to 30 s before chat 20).
    let away = 0;
    for (let i = 10; i < CHATS; i += 50)
      away += Math.min(TO, T0 + 60 + (i + 10) * STEP - 30) - (T0 + 60 + i * STEP - 30);
    assert.equal(ana.awaySeconds, away);
    assert.equal(ana.onlineSeconds, TO - FROM - away);
    const sue = body.agents.find((a: Json) => a.id === agents.sup.id);
    assert.equal(sue.onlineSeconds, TO - FROM);
    assert.equal(sue.chats, planned.filter((p) => p.agent === agents.sup.id).length);
    const bo = body.agents.find((a: Json) => a.id === agents.a2.id);
    assert.ok(bo.onlineSeconds < TO - FROM && bo.onlineSeconds > 0);
  });

  it('agents:status events carry every change, and reach no end user', async () => {
    const rows = await server.sb.store.db
      .selectFrom('events')
      .select(['data'])
      .where('appId', '=', app.id)
      .where('trigger', '=', 'agents:status')
      .execute();
    const statuses = rows.map((r) => JSON.parse(r.data) as Json);
    assert.ok(
      statuses.some((s) => s.agentId === agents.a1.id && s.status === 'away' && s.reason === 'update'),
    );
    assert.ok(
      statuses.some((s) => s.agentId === agents.a2.id && s.status === 'offline' && s.reason === 'logout'),
    );
    assert.ok(
      statuses.some((s) => s.agentId === agents.a2.id && s.status === 'online' && s.reason === 'login'),
    );
    // Who hears one on /v1/ws (decided in its transaction, stored beside it): the agent and the
    // agents of the rooms it serves (room keys reach agents only) — no end user.
    const keys = await server.sb.store.transaction((tx) =>
      audienceOf(tx, {
        trigger: 'agents:status',
        userId: agents.a2.id,
        data: {
          agentId: agents.a2.id,
          status: 'online',
          previous: 'offline',
          rooms: [1, 2],
          reason: 'login',
        },
      }),
    );
    assert.deepEqual(keys.sort(), [`u:${agents.a2.id}`, 'r:1', 'r:2'].sort());
  });

  it('supervisors see their rooms only; agents and end users 403; the export is for the secret and admins', async () => {
    const sup = app.as(agents.sup.token);
    const own = await report(`from=${FROM}&to=${TO}`, sup);
    assert.deepEqual(own.totals, expectedStats(planned.filter((p) => p.room === 2)));
    assertError(await server.request('GET', `/v1/reports/chats?room=1`, { headers: sup }), 403);
    const theirs = (await req('GET', `/v1/reports/agents?from=${FROM}&to=${TO}`, sup)).body;
    assert.deepEqual(theirs.agents.map((a: Json) => a.id).sort(), [agents.a2.id, agents.sup.id].sort());
    assertError(await server.request('GET', '/v1/reports/chats', { headers: app.as(agents.a1.token) }), 403);
    assertError(await server.request('GET', '/v1/reports/agents', { headers: app.as(users[0]!.token) }), 403);
    assertError(await server.request('GET', '/v1/chats/export', { headers: sup }), 403);
    assertError(await server.request('GET', '/v1/chats/export', { headers: app.as(users[0]!.token) }), 403);
  });

  it('bad ranges and zones are 400s', async () => {
    for (const query of [
      `from=${FROM}&to=${FROM + 401 * DAY}`,
      `from=${TO}&to=${FROM}`,
      `from=${FROM}&to=${FROM}`,
      'from=-5',
      'from=abc',
      'tz=Mars/Olympus',
      'interval=month',
    ]) {
      assertError(await server.request('GET', `/v1/reports/chats?${query}`, { headers: app.asApp }), 400);
    }
    assertError(
      await server.request('GET', `/v1/reports/agents?from=${FROM}&to=${FROM + 401 * DAY}`, {
        headers: app.asApp,
      }),
      400,
    );
    assertError(
      await server.request('GET', `/v1/chats/export?from=${FROM}&to=${FROM + 401 * DAY}`, {
        headers: app.asApp,
      }),
      400,
    );
    // 400 days exactly is allowed.
    await req('GET', `/v1/reports/chats?from=${FROM}&to=${FROM + 400 * DAY}&interval=week`, app.asApp);
  });

  it('the CSV export parses back to one row per chat that matches the chats', async () => {
    const res = await server.request('GET', `/v1/chats/export?from=${FROM}&to=${TO}&format=csv`, {
      headers: app.asApp,
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    const [header, ...rows] = parseCsv(res.text);
    assert.deepEqual(header, [
      'id',
      'room',
      'created',
      'closed',
      'creator',
      'agents',
      'tags',
      'wait',
      'firstResponse',
      'duration',
      'messages',
      'rating',
      'ticket',
    ]);
    assert.equal(rows.length, planned.length);
    const byId = new Map(rows.map((row) => [row[0], row]));
    for (const plan of planned) {
      const row = byId.get(plan.id)!;
      const { chat, firstResponse } = truth.get(plan.id)!;
      assert.deepEqual(row, [
        plan.id,
        String(plan.room),
        String(chat.created),
        chat.closed === undefined ? '' : String(chat.closed),
        chat.creator,
        plan.agent ?? '',
        '',
        plan.wait === undefined ? '' : String(plan.wait),
        firstResponse === null ? '' : String(firstResponse),
        chat.closed === undefined ? '' : String(chat.closed - chat.created),
        plan.kind === 'answered' ? '2' : '0',
        plan.rating === undefined ? '' : String(plan.rating),
        chat.ticketId ?? '',
      ]);
    }
    const json = await server.request('GET', `/v1/chats/export?from=${FROM}&to=${FROM + DAY}&format=json`, {
      headers: app.asApp,
    });
    const parsed = JSON.parse(json.text) as Json;
    assert.equal(parsed.chats.length, planned.filter((p) => p.created < FROM + DAY).length);
  });

  it('deactivating an agent ends its online time with an agents:status event (after the reads: it changes Ana)', async () => {
    const before = (await req('GET', `/v1/reports/agents?from=${FROM}`, app.asApp)).body;
    const online = before.agents.find((a: Json) => a.id === agents.a1.id).onlineSeconds as number;
    await req('PUT', `/v1/agents/${agents.a1.id}`, app.asApp, { active: false });
    const rows = await server.sb.store.db
      .selectFrom('events')
      .select('data')
      .where('appId', '=', app.id)
      .where('trigger', '=', 'agents:status')
      .orderBy('position', 'desc')
      .limit(1)
      .execute();
    assert.deepEqual(JSON.parse(rows[0]!.data), {
      agentId: agents.a1.id,
      status: 'offline',
      previous: 'online',
      rooms: [1],
      reason: 'deactivated',
    });
    at(clock.now + 3600);
    const later = (await req('GET', `/v1/reports/agents?from=${FROM}`, app.asApp)).body;
    assert.equal(later.agents.find((a: Json) => a.id === agents.a1.id).onlineSeconds, online);
  });

  it('missed: only while an agent serving the room was online, including one coming online mid-wait', async () => {
    // Room 1 with nobody on duty: Ana is deactivated (above), Bo signs out.
    await req('POST', '/v1/agents/logout', app.asApp, { agentId: agents.a2.id });
    const start = clock.now + 600;
    const user = (await req('POST', '/v1/users', app.asApp, { name: 'Night owl' }, 201)).body.user.id;
    at(start);
    const quiet = (await req('POST', '/v1/chats', app.asApp, { creator: user, room: 1 }, 201)).body.chat.id;
    at(start + 60);
    await req('DELETE', `/v1/chats/${quiet}`, app.asApp, {});
    at(start + 120);
    const waiting = (await req('POST', '/v1/chats', app.asApp, { creator: user, room: 1 }, 201)).body.chat.id;
    at(start + 180);
    await login(agents.a2); // Bo comes online while it waits…
    at(start + 240);
    await req('DELETE', `/v1/chats/${waiting}`, app.asApp, {}); // …and nobody takes it: missed.
    const quietDay = await report(`from=${start}&to=${start + 100}`);
    assert.deepEqual([quietDay.totals.chats, quietDay.totals.missed], [1, 0]);
    const missedOne = await report(`from=${start + 100}&to=${start + 200}`);
    assert.deepEqual([missedOne.totals.chats, missedOne.totals.missed], [1, 1]);
  });
});
