import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { EVENT_DATA, type NewEvent, TRIGGERS } from '../../../src/events/catalog.ts';
import { commitChange } from '../../../src/events/commit.ts';
import { checkEventData, compileEventChecks } from '../../../src/events/outbox.ts';
import { createTestApp } from '../../helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer } from '../../helpers/harness.ts';

/**
 * The outbox stores only events whose data is what wire/events.ts says (checked when
 * SWITCHBOARD_CHECK_EVENTS=1, which the test runner sets): a command that emits a wrong shape fails.
 */
const checks = compileEventChecks();
const message = { id: 'm1', chat: 'c1', sender: 'u1', type: 'text', message: 'Hi', seq: 1, created: 1 };

it('every trigger of the catalog has a schema, and the schemas are the catalog', () => {
  assert.deepEqual(Object.keys(EVENT_DATA), [...TRIGGERS]);
  assert.deepEqual([...checks.keys()], [...TRIGGERS]);
});

it('a well-shaped event passes; a missing, extra or mistyped field is refused', () => {
  const ok = (event: NewEvent) => checkEventData(event, checks);
  const refused = (event: unknown) =>
    assert.throws(() => checkEventData(event as NewEvent, checks), /does not match its schema/);
  ok({ trigger: 'messages:new', data: { message } as never });
  ok({ trigger: 'chats:close', data: { chatId: 'c1', userId: 'u1', extraData: undefined } });
  ok({
    trigger: 'system:info',
    data: { chatId: 'c1', data: { type: 'ticket', ticketId: 't1', more: 1 } as never },
  });
  refused({ trigger: 'messages:new', data: { message: 'Hi' } });
  refused({ trigger: 'messages:read', data: { messageId: 'm1', chatId: 'c1' } });
  refused({ trigger: 'chats:join', data: { chatId: 'c1', userId: 'u1', extra: true } });
  refused({ trigger: 'users:activity', data: { chatId: 'c1', userId: 'u1', type: 'typing' } });
  refused({ trigger: 'queues:update', data: { chatId: 'c1', userId: 'u1', data: { queuePosition: '1' } } });
});

describeEachStore('outbox: a wrongly shaped event is refused', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
  });
  after(() => server.close());

  it('the change fails and stores nothing', {
    skip: process.env.SWITCHBOARD_CHECK_EVENTS !== '1' && 'run through test/run.ts',
  }, async () => {
    const app = await createTestApp(server);
    const count = async () =>
      (await server.sb.store.db.selectFrom('events').select('id').where('appId', '=', app.id).execute())
        .length;
    const before = await count();
    await assert.rejects(
      commitChange(server.sb.ctx, app.id, async (_tx, emit) => {
        await emit({ trigger: 'chats:join', data: { chatId: 'c1' } as never });
      }),
      /chats:join event data does not match its schema/,
    );
    assert.equal(await count(), before, 'nothing stored');
  });
});
