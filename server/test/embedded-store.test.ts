import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { type Db, openStore, type Store } from '../src/store/database.ts';

/** The embedded store's group commit (server/src/store/sqlite-driver.ts), against the real SQLite file. */
describe('embedded store: group commit', () => {
  let dir: string;
  let store: Store;
  const rows = async (db: Db = store.db): Promise<string[]> =>
    (await sql<{ x: string }>`select x from scratch order by x`.execute(db)).rows.map((r) => r.x);
  const insert = (db: Db, x: string) => sql`insert into scratch (x) values (${x})`.execute(db);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-store-'));
    store = await openStore({ dataDir: dir });
    await sql`create table scratch (x text primary key)`.execute(store.db);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits queued transactions together; a failing one rolls back alone; a read waits for the commit', async () => {
    await sql`delete from scratch`.execute(store.db);
    const order: string[] = [];
    let releaseFirst!: () => void;
    const gate = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    // The first holds the connection until released, so the others queue up behind it.
    const first = store
      .transaction(async (tx) => {
        await insert(tx, 'a');
        await gate;
      })
      .then(() => order.push('a committed'));
    await new Promise((resolve) => setImmediate(resolve));
    const failing = store.transaction(async (tx) => {
      await insert(tx, 'b');
      throw new Error('b fails');
    });
    const third = store
      .transaction(async (tx) => {
        await insert(tx, 'c');
      })
      .then(() => order.push('c committed'));
    const read = rows().then((seen) => {
      order.push('read');
      return seen;
    });
    releaseFirst();
    await assert.rejects(failing, /b fails/);
    await Promise.all([first, third]);
    // The read saw both commits and nothing of the failed member, and ran only after the COMMIT.
    assert.deepEqual(await read, ['a', 'c']);
    assert.deepEqual(order, ['a committed', 'c committed', 'read']);
    assert.deepEqual(await rows(), ['a', 'c']);
  });

  it('a failing first member of a batch leaves the next one intact', async () => {
    await sql`delete from scratch`.execute(store.db);
    let releaseFirst!: () => void;
    const gate = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const first = store.transaction(async (tx) => {
      await insert(tx, 'x');
      await gate;
      throw new Error('x fails');
    });
    await new Promise((resolve) => setImmediate(resolve));
    const second = store.transaction(async (tx) => {
      await insert(tx, 'y');
    });
    releaseFirst();
    await assert.rejects(first, /x fails/);
    await second;
    assert.deepEqual(await rows(), ['y']);
  });

  it('a unique violation fails its own member only, and 300 concurrent writers all land', async () => {
    await sql`delete from scratch`.execute(store.db);
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, (_, i) =>
        store.transaction(async (tx) => {
          await insert(tx, `k${String(i % 250).padStart(3, '0')}`);
        }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(failed.length, 50);
    for (const f of failed) assert.match(String((f as PromiseRejectedResult).reason), /UNIQUE/);
    assert.equal((await rows()).length, 250);
  });

  it('one server owns the file: a second store on the same data directory cannot open it', async () => {
    await assert.rejects(openStore({ dataDir: dir }), /locked/);
  });

  it('checkpoints copy the WAL into the file and keep it bounded under steady writes', async () => {
    await sql`create table blobs (id integer primary key, b blob not null)`.execute(store.db);
    const wal = join(dir, 'switchboard.sqlite-wal');
    const file = join(dir, 'switchboard.sqlite');
    const before = statSync(file).size;
    // 60 MB of pages through the WAL, in batches, with pauses for the checkpointer's passes.
    let largestWal = 0;
    for (let wave = 0; wave < 60; wave++) {
      await Promise.all(
        Array.from({ length: 32 }, () =>
          store.transaction(async (tx) => {
            await sql`insert into blobs (b) values (${randomBytes(32 * 1024)})`.execute(tx);
          }),
        ),
      );
      largestWal = Math.max(largestWal, statSync(wal).size);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const count = await sql<{ n: number }>`select count(*) as n from blobs`.execute(store.db);
    assert.equal(Number(count.rows[0]!.n), 60 * 32);
    // Without checkpoints the WAL would hold all 60 MB and the file would not have grown.
    assert.ok(largestWal < 30 * 1024 * 1024, `the WAL grew to ${largestWal} bytes`);
    assert.ok(statSync(file).size - before > 40 * 1024 * 1024, 'the pages reached the database file');
  });
});
