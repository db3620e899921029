import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { commitChange } from '../src/events/commit.ts';
import { GRACE_TIMER } from '../src/presence/grace.ts';
import { TYPING_TIMER } from '../src/presence/typing.ts';
import { OPENING_TIMER } from '../src/routing/opening.ts';
import { scheduleTimer } from '../src/timers/timers.ts';
import { describeEachStore, startServer, type TestServer, waitFor } from './helpers/harness.ts';

/**
 * Every durable timer kind has its handler, registered by the composition root (server.ts) rather
 * than by whichever transport happens to be installed: a timer of each kind, for an app that does
 * not exist, is handled (and so removed) instead of failing for want of a handler and staying.
 */
describeEachStore('timer handlers', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
  });
  after(() => server.close());

  it('handles every timer kind the server schedules', async () => {
    const kinds = ['jump', 'invitation', 'queue', 'inactivity', GRACE_TIMER, TYPING_TIMER, OPENING_TIMER];
    const payloads: Record<string, Record<string, unknown>> = {
      jump: { loopId: 'none' },
      queue: { room: 1 },
      [TYPING_TIMER]: { chatId: 'none', userId: 'none' },
    };
    await commitChange(server.sb.ctx, 'no-such-app', async (tx) => {
      for (const timerKind of kinds) {
        await scheduleTimer(tx, {
          kind: timerKind,
          ref: `no-such-${timerKind}`,
          appId: 'no-such-app',
          due: Date.now() - 1000,
          payload: payloads[timerKind],
        });
      }
    });
    // The worker's own wake-up may have claimed some already: wait for all of them to be handled.
    const left = async () =>
      server.sb.store.db.selectFrom('timers').select('kind').where('appId', '=', 'no-such-app').execute();
    await waitFor(
      async () => {
        await server.sb.timers.runDue();
        return (await left()).length === 0;
      },
      5000,
      'every timer handled',
    ).catch(() => undefined);
    assert.deepEqual(await left(), [], 'no timer kind lacks a handler');
  });
});
