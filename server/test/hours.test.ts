import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { roomStatus } from '../src/apps/opening-hours.ts';
import { readTimetable } from '../src/apps/timetable-store.ts';
import {
  assertError,
  createAgent,
  createTestApp,
  createUser,
  eventsOf,
  expectStatus,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';

/** Opening hours (docs/routing.md, "Opening hours"): the timetable, room status, and chats off hours. */

const EVERY_DAY = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const week = (queueId: number, ranges: Json[]) => ({
  queueId,
  ...Object.fromEntries(EVERY_DAY.map((day) => [day, ranges])),
});
const utcDay = (offsetDays = 0) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
const seconds = (iso: string) => Date.parse(iso) / 1000;

describeEachStore('opening hours', (kind) => {
  let server: TestServer;
  let app: TestApp;

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Hours app');
  });
  after(() => server.close());

  const putTimetable = (target: TestApp, body: Json) =>
    server.request('PUT', '/v1/settings/work-timetable', { headers: target.asApp, body });
  const getTimetable = async (target: TestApp) =>
    (await expectStatus(server, 200, 'GET', '/v1/settings/work-timetable', { headers: target.asKey })).body;
  /** Every day 09:00–17:00 UTC in room 1, today a holiday: closed until tomorrow 09:00. */
  const closedToday = {
    timezone: 'UTC',
    weeks: [week(1, [{ from: '09:00', to: '17:00' }])],
    holidays: [{ queueId: 1, days: [utcDay()] }],
  };
  const openAllDay = { timezone: 'UTC', weeks: [week(1, [{ from: '00:00', to: '24:00' }])] };

  it('reads with the domain key (default: always open) and writes only with the secret', async () => {
    const fresh = await createTestApp(server, 'Fresh');
    assert.deepEqual(await getTimetable(fresh), { timezone: 'UTC', weeks: [], holidays: [] });
    const body = { timezone: 'Europe/Madrid', weeks: [week(1, [{ from: '09:00', to: '14:00' }])] };
    assertError(
      await server.request('PUT', '/v1/settings/work-timetable', { headers: fresh.asKey, body }),
      403,
    );
    assertError(await server.request('PUT', '/v1/settings/work-timetable', { body }), 401);
    const user = await createUser(server, fresh);
    assertError(
      await server.request('PUT', '/v1/settings/work-timetable', { headers: fresh.as(user.token), body }),
      403,
    );
    assert.deepEqual(await getTimetable(fresh), { timezone: 'UTC', weeks: [], holidays: [] });
    const saved = await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
      headers: fresh.asApp,
      body,
    });
    assert.deepEqual(saved.body, { ...body, holidays: [] });
    assert.deepEqual(await getTimetable(fresh), { ...body, holidays: [] });
    // Another app's timetable is its own.
    assert.deepEqual(await getTimetable(app), { timezone: 'UTC', weeks: [], holidays: [] });
  });

  it('refuses bad timetables with a 400 naming the field, and keeps the one it had', async () => {
    const target = await createTestApp(server, 'Validation');
    const good = { timezone: 'Europe/Madrid', weeks: [week(1, [{ from: '09:00', to: '14:00' }])] };
    await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
      headers: target.asApp,
      body: good,
    });
    const bad: Array<[Json, string | undefined]> = [
      [{ ...good, timezone: 'Mars/Olympus_Mons' }, 'timezone'],
      [{ ...good, timezone: '+01:00' }, 'timezone'],
      [{ ...good, weeks: [{ queueId: 1, Monday: [{ from: '25:00', to: '26:00' }] }] }, undefined],
      [{ ...good, weeks: [{ queueId: 1, Monday: [{ from: '9:00', to: '14:00' }] }] }, undefined],
      [{ ...good, weeks: [{ queueId: 1, Monday: [{ from: '14:00', to: '09:00' }] }] }, 'weeks.0.Monday.0.to'],
      [{ ...good, weeks: [{ queueId: 1, Monday: [{ from: '10:00', to: '10:00' }] }] }, 'weeks.0.Monday.0.to'],
      [
        {
          ...good,
          weeks: [
            {
              queueId: 1,
              Friday: [
                { from: '09:00', to: '14:00' },
                { from: '13:00', to: '18:00' },
              ],
            },
          ],
        },
        'weeks.0.Friday.1',
      ],
      [{ ...good, weeks: [{ queueId: 1, Sunday: [{ from: '24:00', to: '24:00' }] }] }, 'weeks.0.Sunday.0.to'],
      [{ ...good, weeks: [week(99, [])] }, 'weeks.0.queueId'],
      [{ ...good, weeks: [week(1, []), week(1, [])] }, 'weeks.1.queueId'],
      [{ ...good, holidays: [{ queueId: 1, days: ['2026-02-30'] }] }, 'holidays.0.days.0'],
      [{ ...good, holidays: [{ queueId: 1, days: ['25/12/2026'] }] }, undefined],
      [{ weeks: [] }, undefined],
    ];
    for (const [body, field] of bad) {
      const res = await putTimetable(target, body);
      assertError(res, 400);
      if (field)
        assert.ok(
          res.body.error.details.some((d: Json) => d.field === field),
          `${field}: ${res.text}`,
        );
    }
    assert.deepEqual(await getTimetable(target), { ...good, holidays: [] });
    // Touching ranges are one opening, not an overlap.
    const touching = {
      timezone: 'UTC',
      weeks: [
        {
          queueId: 1,
          Monday: [
            { from: '12:00', to: '14:00' },
            { from: '09:00', to: '12:00' },
          ],
        },
      ],
    };
    await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
      headers: target.asApp,
      body: touching,
    });
  });

  it('computes across the daylight saving changes of Europe/Madrid and on holidays (stored and read back)', async () => {
    const target = await createTestApp(server, 'Madrid');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: target.asApp,
      body: {
        rooms: [
          { id: 1, name: 'Sales' },
          { id: 2, name: 'Night' },
          { id: 3, name: 'Always' },
        ],
      },
    });
    const body = {
      timezone: 'Europe/Madrid',
      weeks: [
        week(1, [{ from: '09:00', to: '14:00' }]),
        {
          queueId: 2,
          Sunday: [{ from: '01:00', to: '04:00' }],
          Monday: [{ from: '22:00', to: '24:00' }],
          Tuesday: [{ from: '00:00', to: '02:00' }],
        },
      ],
      holidays: [{ queueId: 1, days: ['2026-12-25'] }],
    };
    await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', { headers: target.asApp, body });
    const timetable = await readTimetable(server.sb.store.db, target.id);
    const at = (room: number, iso: string) => roomStatus(timetable, room, Date.parse(iso));
    // Saturday 28 March 2026, 15:00 CET: the next opening is Sunday 09:00 CEST (07:00Z, not 08:00Z).
    assert.deepEqual(at(1, '2026-03-28T14:00:00Z'), {
      open: false,
      closesAt: null,
      nextOpen: seconds('2026-03-29T07:00:00Z'),
    });
    // Saturday 10:00 CET: open until 14:00 CET (13:00Z).
    assert.deepEqual(at(1, '2026-03-28T09:00:00Z'), {
      open: true,
      closesAt: seconds('2026-03-28T13:00:00Z'),
      nextOpen: null,
    });
    // Sunday 29 March 10:00 CEST (08:00Z): open until 14:00 CEST (12:00Z).
    assert.deepEqual(at(1, '2026-03-29T08:00:00Z'), {
      open: true,
      closesAt: seconds('2026-03-29T12:00:00Z'),
      nextOpen: null,
    });
    // Saturday 24 October 15:00 CEST: the next opening is Sunday 09:00 CET (08:00Z).
    assert.deepEqual(at(1, '2026-10-24T13:00:00Z'), {
      open: false,
      closesAt: null,
      nextOpen: seconds('2026-10-25T08:00:00Z'),
    });
    // Sunday 25 October 08:30 CET (07:30Z) is still before the opening.
    assert.deepEqual(at(1, '2026-10-25T07:30:00Z'), {
      open: false,
      closesAt: null,
      nextOpen: seconds('2026-10-25T08:00:00Z'),
    });
    // Christmas (a Friday) is a holiday: from Thursday afternoon the next opening is Saturday 09:00 CET.
    assert.deepEqual(at(1, '2026-12-24T14:00:00Z'), {
      open: false,
      closesAt: null,
      nextOpen: seconds('2026-12-26T08:00:00Z'),
    });
    assert.equal(at(1, '2026-12-25T10:00:00Z').open, false);
    // 01:00–04:00 on the night the clocks skip 02:00–03:00 lasts two hours (00:00Z–02:00Z).
    assert.deepEqual(at(2, '2026-03-29T00:30:00Z'), {
      open: true,
      closesAt: seconds('2026-03-29T02:00:00Z'),
      nextOpen: null,
    });
    // Monday 22:00–24:00 and Tuesday 00:00–02:00 are one opening (closes Tuesday 02:00 CEST).
    assert.deepEqual(at(2, '2026-06-01T21:00:00Z'), {
      open: true,
      closesAt: seconds('2026-06-02T00:00:00Z'),
      nextOpen: null,
    });
    // A room with no week is always open.
    assert.deepEqual(at(3, '2026-12-25T10:00:00Z'), { open: true, closesAt: null, nextOpen: null });
  });

  it('GET /rooms/status answers for the asked rooms with the domain key', async () => {
    const target = await createTestApp(server, 'Status');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: target.asApp,
      body: {
        rooms: [
          { id: 1, name: 'Sales' },
          { id: 2, name: 'Support' },
          { id: 3, name: 'Night' },
        ],
      },
    });
    const tomorrow = utcDay(1);
    await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
      headers: target.asApp,
      body: {
        timezone: 'UTC',
        weeks: [closedToday.weeks[0], week(3, [{ from: '00:00', to: '24:00' }])],
        holidays: [...closedToday.holidays, { queueId: 3, days: [tomorrow] }],
      },
    });
    const res = await expectStatus(server, 200, 'GET', '/v1/rooms/status?roomIds=1,2,3', {
      headers: target.asKey,
    });
    assert.deepEqual(res.body.rooms, {
      '1': { open: false, closesAt: null, nextOpen: seconds(`${tomorrow}T09:00:00Z`) },
      '2': { open: true, closesAt: null, nextOpen: null },
      '3': { open: true, closesAt: seconds(`${tomorrow}T00:00:00Z`), nextOpen: null },
    });
    const all = await expectStatus(server, 200, 'GET', '/v1/rooms/status', { headers: target.asAppId });
    assert.deepEqual(Object.keys(all.body.rooms), ['1', '2', '3']);
    assertError(await server.request('GET', '/v1/rooms/status?roomIds=1,99', { headers: target.asKey }), 400);
    assertError(await server.request('GET', '/v1/rooms/status?roomIds=x', { headers: target.asKey }), 400);
  });

  it('a chat in a closed "ticket" room becomes a ticket at once, with what the visitor left', async () => {
    const target = await createTestApp(server, 'Ticket room');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: target.asApp,
      body: { tickets: { createOnClose: false } },
    });
    await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
      headers: target.asApp,
      body: closedToday,
    });
    await createAgent(server, target);
    const user = await createUser(server, target);
    const created = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: target.as(user.token),
      body: {
        history: [
          { sender: user.id, message: '  Please call me back ', created: Math.floor(Date.now() / 1000) },
        ],
      },
    });
    const chat = created.body.chat;
    assert.equal(chat.offHours, true);
    assert.equal(chat.status, 'closed');
    assert.equal(typeof chat.ticketId, 'string');
    const events = (await eventsOf(server, target.id)).filter((e) => e.chatId === chat.id);
    assert.deepEqual(
      events.map((e) => e.trigger),
      ['chats:create', 'chats:close', 'system:info'],
    );
    assert.equal(events[0]!.data.chat.offHours, true);
    assert.equal(events[0]!.data.chat.status, 'waiting');
    assert.deepEqual(events[1]!.data.extraData, { reason: 'off-hours' });
    const tickets = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, {
      headers: target.asApp,
    });
    assert.equal(tickets.body.tickets.length, 1);
    assert.equal(tickets.body.tickets[0].subject, 'Please call me back');
    assert.equal(tickets.body.tickets[0].id, chat.ticketId);
    // Open again: chats are routed as usual and carry no offHours.
    await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
      headers: target.asApp,
      body: openAllDay,
    });
    const other = await createUser(server, target);
    const open = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: target.as(other.token),
      body: {},
    });
    assert.equal(open.body.chat.offHours, undefined);
    assert.equal(open.body.chat.status, 'waiting');
  });

  it('a chat in a closed "queue" room waits, uninvited, on a durable timer and is routed at the opening, after a restart too', async () => {
    const target = await createTestApp(server, 'Queue room');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: target.asApp,
      body: { rooms: [{ id: 1, name: 'General', offHours: 'queue' }] },
    });
    await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
      headers: target.asApp,
      body: closedToday,
    });
    const settings = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: target.asKey });
    assert.equal(settings.body.settings.rooms[0].offHours, 'queue');
    await createAgent(server, target);
    const user = await createUser(server, target);
    const created = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: target.as(user.token),
      body: {},
    });
    const chat = created.body.chat;
    assert.equal(chat.offHours, true);
    assert.equal(chat.status, 'waiting');
    const timer = () =>
      server.sb.store.db
        .selectFrom('timers')
        .selectAll()
        .where('kind', '=', 'opening')
        .where('ref', '=', chat.id)
        .executeTakeFirst();
    const nextOpen = seconds(`${utcDay(1)}T09:00:00Z`);
    assert.equal((await timer())?.due, nextOpen * 1000);
    const triggers = async () =>
      (await eventsOf(server, target.id)).filter((e) => e.chatId === chat.id).map((e) => e.trigger);
    // The timer comes due while the room is still closed: it waits again for the same opening.
    await server.sb.store.db
      .updateTable('timers')
      .set({ due: Date.now() - 1000 })
      .where('kind', '=', 'opening')
      .where('ref', '=', chat.id)
      .execute();
    await waitFor(async () => (await timer())?.due === nextOpen * 1000, 5000, 'the timer set again');
    assert.deepEqual(await triggers(), ['chats:create']);
    // Survives a restart, and the opening (a new timetable that opens the room now) routes the chat.
    await server.restart();
    assert.equal((await timer())?.due, nextOpen * 1000);
    assert.deepEqual(await triggers(), ['chats:create']);
    await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
      headers: target.asApp,
      body: openAllDay,
    });
    await waitFor(
      async () => (await triggers()).includes('invitations:new'),
      10000,
      'the invitation at the opening',
    );
    assert.deepEqual((await triggers()).slice(0, 3), ['chats:create', 'chats:assign', 'invitations:new']);
    assert.equal(await timer(), undefined);
  });
});
