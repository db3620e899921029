import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { createApp } from '../../../src/apps/apps.ts';
import { systemBy } from '../../../src/audit/audit.ts';
import { createMemoryBus } from '../../../src/events/bus.ts';
import { type StoredEvent, TRIGGERS } from '../../../src/events/catalog.ts';
import { commitChange } from '../../../src/events/commit.ts';
import { appendUnpositioned, type PendingEvent } from '../../../src/events/outbox.ts';
import { createSequencer, numberOnce } from '../../../src/events/sequencer.ts';
import { appHead, eventsBetween, streamAfter } from '../../../src/realtime/log.ts';
import { openStore, type Store } from '../../../src/store/database.ts';
import { eventsAfter as streamEventsAfter } from '../../../src/stream/log.ts';
import { poller } from '../../../src/timers/lease.ts';
import { newId } from '../../../src/util/ids.ts';
import { nowSeconds } from '../../../src/util/time.ts';
import { eventsAfter as fanoutEventsAfter } from '../../../src/webhooks/delivery/fanout-sql.ts';

/**
 * The PostgreSQL sequencer (events/sequencer.ts) on a real PostgreSQL, driven pass by pass: events
 * committed out of order across connections, rolled back, numbered by racing sequencers, and read
 * meanwhile by the readers of the realtime hub, replay, the event stream and webhook fan-out.
 */
const databaseUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL;
const ALL_TRIGGERS = new Set(TRIGGERS);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pending(userId: string, text: string): PendingEvent {
  return {
    id: newId(),
    trigger: 'system:info',
    chatId: null,
    userId,
    data: { data: { type: text } },
    created: nowSeconds(),
    audience: [`u:${userId}`],
  };
}

describe('event sequencer [postgres]', {
  skip: databaseUrl ? false : 'no SWITCHBOARD_TEST_DATABASE_URL',
}, () => {
  const schema = `sb_test_seq_${process.pid}_${Date.now()}`;
  let store: Store;
  /** A second node's store on the same schema: its own pool, its own sequencer. */
  let other: Store;
  const bus = createMemoryBus((error) => {
    throw error;
  });

  before(async () => {
    store = await openStore({ databaseUrl, schema });
    other = await openStore({ databaseUrl, schema });
  });
  after(async () => {
    await other?.close();
    await store?.close();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });

  async function newApp(): Promise<string> {
    return (await createApp(store, { name: 'Seq' }, systemBy('test'))).app.id;
  }

  /** Every event of the app: id and position (null while unpositioned), in position order. */
  async function rows(appId: string) {
    return store.db
      .selectFrom('events')
      .select(['id', 'position'])
      .where('appId', '=', appId)
      .orderBy('position')
      .orderBy('seq')
      .execute();
  }

  /**
   * Passes until nothing is left to number (another sequencer may hold the lock meanwhile; any open
   * transaction on this PostgreSQL, other tests' too, may hold rows back for a while).
   */
  async function drain(on: Store = store): Promise<void> {
    for (const until = Date.now() + 30_000; Date.now() < until; ) {
      const result = await numberOnce(on, bus);
      if (result.locked && result.placed.length === 0) return;
      await sleep(2);
    }
    throw new Error('the sequencer never drained');
  }

  /** Opens a transaction that writes `events` and stays open until `commit` (or `rollback`) is called. */
  function openWriter(appId: string, events: PendingEvent[]) {
    const wrote = deferred();
    const end = deferred();
    let rollback = false;
    const done = store
      .transaction(async (tx) => {
        await appendUnpositioned(tx, appId, events);
        wrote.resolve();
        await end.promise;
        if (rollback) throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => {
        if (error.message !== 'rolled back on purpose') throw error;
      });
    return {
      wrote: wrote.promise,
      async commit() {
        end.resolve();
        await done;
      },
      async rollback() {
        rollback = true;
        end.resolve();
        await done;
      },
    };
  }

  it('a transaction that commits after a later-started one is numbered after it: out-of-order commits lose nothing', async () => {
    const appId = await newApp();
    const [a1, a2, b] = [pending('ua', 'a1'), pending('ua', 'a2'), pending('ub', 'b')];
    const writerA = openWriter(appId, [a1, a2]);
    await writerA.wrote;
    const writerB = openWriter(appId, [b]);
    await writerB.wrote;
    await writerB.commit();
    let readerSaw: number[] = [];
    try {
      const first = await numberOnce(store, bus);
      assert.equal(first.locked, true);
      assert.deepEqual(
        first.placed.map((e) => [e.id, e.position]),
        [[b.id, 1]],
        'B is committed: numbered at once; A, still open, is not seen',
      );
      assert.equal(await appHead(store.db, appId), 1);
      // A reader that catches up now reads up to the head and keeps its cursor there.
      readerSaw = (await eventsBetween(store.db, appId, 1, await appHead(store.db, appId))).map(
        (e) => e.position,
      );
      assert.deepEqual(readerSaw, [1]);
    } finally {
      // Ends A even when an assertion failed (an open transaction would hold the pool at close).
      await writerA.commit();
    }
    await drain();
    const placed = await rows(appId);
    assert.deepEqual(
      placed.map((r) => [r.id, r.position]),
      [
        [b.id, 1],
        [a1.id, 2],
        [a2.id, 3],
      ],
      'A, committed last, after B and after the reader’s cursor; A’s events consecutive',
    );
    assert.equal(await appHead(store.db, appId), 3);
    const rest = await eventsBetween(store.db, appId, readerSaw.at(-1)! + 1, 3);
    assert.deepEqual(
      rest.map((e) => e.id),
      [a1.id, a2.id],
      'the reader resuming after its cursor gets exactly what it had not seen',
    );
    const heard = await eventsBetween(store.db, appId, 1, 3);
    assert.deepEqual(
      heard.map((e) => e.audience),
      [['u:ub'], ['u:ua'], ['u:ua']],
      'the audience rows are written by the pass',
    );
  });

  it('a rolled-back transaction leaves no gap', async () => {
    const appId = await newApp();
    const lost = openWriter(appId, [pending('u1', 'lost')]);
    await lost.wrote;
    const kept = openWriter(appId, [pending('u1', 'kept')]);
    await kept.wrote;
    await kept.commit();
    await lost.rollback();
    const after = openWriter(appId, [pending('u1', 'after')]);
    await after.wrote;
    await after.commit();
    await drain();
    assert.deepEqual(
      (await rows(appId)).map((r) => r.position),
      [1, 2],
    );
  });

  it('a writer never waits on the app row the sequencer updates (no FK or row conflict)', async () => {
    const appId = await newApp();
    const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      // What a pass holds until its COMMIT: FOR NO KEY UPDATE on the app row.
      await client.query('begin');
      await client.query('update apps set event_position = event_position where id = $1', [appId]);
      await store.transaction(async (tx) => {
        // Waiting would fail this transaction instead of hanging the test.
        await sql`set local lock_timeout = '1s'`.execute(tx);
        await appendUnpositioned(tx, appId, [pending('u1', 'while locked')]);
        // A foreign key to apps (here the webhook cursor's) takes KEY SHARE: compatible.
        await tx.insertInto('webhookCursors').values({ appId, position: 0 }).execute();
      });
    } finally {
      await client.query('rollback');
      await client.end();
    }
    await drain();
    assert.deepEqual(
      (await rows(appId)).map((r) => r.position),
      [1],
    );
  });

  it('racing sequencers, many writers and concurrent readers: every reader sees the final order', async () => {
    const appId = await newApp();
    const published: StoredEvent[] = [];
    const unsubscribe = bus.subscribe((event) => {
      if (event.appId === appId) published.push(event);
    });
    let writing = true;
    const committed = new Set<string>();
    const rolledBack = new Set<string>();

    async function writer(w: number): Promise<void> {
      for (let i = 0; i < 40; i++) {
        const events = Array.from({ length: 1 + (i % 3) }, (_, k) => pending(`u${w}`, `${w}.${i}.${k}`));
        const target = (i + w) % 7 === 0 ? rolledBack : committed;
        await store
          .transaction(async (tx) => {
            await appendUnpositioned(tx, appId, events);
            // Some transactions stay open a while, so later ones commit before them.
            if (i % 4 === w % 4) await sleep(3 + ((i * 7 + w) % 11));
            if (target === rolledBack) throw new Error('rolled back on purpose');
          })
          .catch((error: Error) => {
            if (error.message !== 'rolled back on purpose') throw error;
          });
        for (const e of events) target.add(e.id);
      }
    }

    async function sequencer(on: Store): Promise<number> {
      let passes = 0;
      while (writing) {
        if ((await numberOnce(on, bus)).locked) passes++;
        await sleep(1);
      }
      return passes;
    }

    /** A reader: from its cursor up to the app's head, again and again; answers the ids in read order. */
    async function reader(
      read: (after: number, head: number) => Promise<Array<{ id?: string; position: number }>>,
    ) {
      const seen: Array<{ id?: string; position: number }> = [];
      let cursor = 0;
      let last = -1;
      while (true) {
        const head = await appHead(store.db, appId);
        const got = await read(cursor, head);
        for (const row of got) {
          assert.equal(row.position, cursor + 1, 'a reader never skips a position');
          cursor = row.position;
          seen.push(row);
        }
        if (!writing && head === last && got.length === 0) return seen;
        last = head;
        await sleep(1);
      }
    }

    const readers = Promise.all([
      // The hub's gap fill.
      reader((after, head) => eventsBetween(store.db, appId, after + 1, Math.min(head, after + 50))),
      // Replay of /v1/ws (the app server reads everything; a user reads its audience).
      reader(async (after, head) => {
        const got = await streamAfter(store.db, appId, 'all', after, head, 50);
        return got.map((r) => ({ position: Number(r.position) }));
      }),
      // The event stream's replay.
      reader((after, head) => streamEventsAfter(store.db, appId, ALL_TRIGGERS, after, head, 50)),
      // Webhook fan-out, in its own transaction as it runs.
      reader((after) =>
        store.transaction(async (tx) =>
          (await fanoutEventsAfter(tx, appId, after, 50)).map((r) => ({
            id: r.id,
            position: Number(r.position),
          })),
        ),
      ),
    ]);
    const sequencers = Promise.all([sequencer(store), sequencer(other)]);
    await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
    await drain();
    writing = false;
    const [seen, passes] = await Promise.all([readers, sequencers]);
    unsubscribe();

    const final = await rows(appId);
    assert.equal(final.length, committed.size, 'every committed event is stored, no rolled-back one');
    assert.deepEqual(
      final.map((r) => r.position),
      final.map((_, i) => i + 1),
      'positions 1..N: no gap, no repeat',
    );
    for (const r of final) assert.ok(committed.has(r.id));
    assert.ok(passes[0] > 0 && passes[1] > 0, `both sequencers numbered (${passes.join(', ')} passes)`);
    for (const [i, got] of seen.entries()) {
      assert.deepEqual(
        got.map((r) => r.position),
        final.map((r) => r.position),
        `reader ${i} read every position once, in order`,
      );
      if (got[0]?.id !== undefined)
        assert.deepEqual(
          got.map((r) => r.id),
          final.map((r) => r.id),
          `reader ${i}: same events`,
        );
    }
    const ordered = [...published].sort((a, b) => a.position - b.position);
    assert.deepEqual(
      ordered.map((e) => [e.id, e.position]),
      final.map((r) => [r.id, r.position]),
      'each event published once, with its position',
    );
  });

  it('commitChange answers once its events are positioned (read-your-writes)', async () => {
    const appId = await newApp();
    const sequencer = createSequencer({
      store,
      bus,
      loop: (pass) =>
        poller({
          pass,
          idleMs: 1000,
          onError: (error) => {
            throw error;
          },
        }),
    });
    sequencer.start();
    try {
      for (let i = 0; i < 5; i++) {
        const id = newId();
        await commitChange({ store, bus }, appId, async (_tx, emit) => {
          await emit({ id, trigger: 'system:info', userId: 'u1', data: { data: { type: `emit${i}` } } });
        });
        const row = await store.db
          .selectFrom('events')
          .select('position')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.ok(row.position !== null, 'positioned when commitChange returned');
        assert.equal(await appHead(store.db, appId), Number(row.position));
      }
    } finally {
      await sequencer.stop();
    }
  });
});
