import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { CheckpointerOptions, CheckpointReport } from './sqlite-checkpointer.ts';

/**
 * The embedded store: Node's built-in SQLite (no native addon) behind a Kysely dialect of our own, for
 * two reasons Kysely's SqliteDialect cannot serve:
 *
 * - **Group commit.** A COMMIT writes every page the transaction touched to the WAL and syncs it; most
 *   of our transactions touch the same pages (the app's event counter, the tails of the event and
 *   message indexes). Transactions that queue up behind one another therefore share one outer
 *   transaction, each in a savepoint of its own (so one can still roll back alone), and are answered
 *   only after the single COMMIT that makes them all durable. The batch commits at the end of the turn
 *   of the event loop in which nobody waits for the connection any more (work arriving in that turn
 *   joins it), or at `MAX_BATCH` members / `MAX_BATCH_MS`.
 * - **No dirty reads.** A plain query (outside a transaction) never sees a batch before it commits: it
 *   waits (parked) until the open batch commits, then runs.
 *
 * - **Checkpoints off the event loop.** Copying the WAL back into the database file and syncing it is
 *   milliseconds of disk work; done by SQLite inside a COMMIT it stalled every request behind it. A
 *   worker thread (sqlite-checkpointer.ts) does it instead, every `CHECKPOINT_INTERVAL_MS`, without
 *   blocking writes. The WAL can only start over once all of it is in the file, which under steady
 *   writes the worker never quite catches; so once it holds `RESTART_FRAMES`, the next COMMIT is
 *   followed by a checkpoint here of the little the worker has not copied yet. Should the worker die,
 *   SQLite's own automatic checkpoints come back.
 *
 * The one connection is shared in turns: every Kysely acquisition gets a virtual connection, granted
 * the turn in arrival order. One process owns the file: a lock file beside it is held with an exclusive
 * SQLite lock for the life of the store, so a second server on the same data directory fails to open
 * ("database is locked"); the OS drops the lock when the process dies. `synchronous` is NORMAL by
 * default (a commit survives the process being killed; the WAL is synced at checkpoints) or FULL (each
 * group commit is synced: survives power loss too, but node:sqlite syncs on the event loop, so each
 * sync stalls the server for the disk's flush time).
 */
const MAX_BATCH = 128;
const MAX_BATCH_MS = 10;
const CHECKPOINT_INTERVAL_MS = 20;
/** 16 MB of WAL (4 KB pages). */
const RESTART_FRAMES = 4096;

/** node:sqlite binds only numbers, strings, bigints, null and bytes; Kysely hands us booleans too. */
function bindable(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  const values = new Array<SQLInputValue>(parameters.length);
  for (let i = 0; i < parameters.length; i++) {
    const value = parameters[i];
    values[i] =
      value === undefined ? null : typeof value === 'boolean' ? (value ? 1 : 0) : (value as SQLInputValue);
  }
  return values;
}

interface Prepared {
  statement: StatementSync;
  /** Returns columns (a SELECT, or anything with RETURNING): read it with all(). */
  reader: boolean;
}

interface Member {
  resolve(): void;
  reject(error: unknown): void;
}

interface Batch {
  members: Member[];
  started: number;
}

/** A virtual connection: one Kysely acquisition, running on the shared connection during its turn. */
class Turn implements DatabaseConnection {
  inTransaction = false;
  /** Runs inside a savepoint of the batch (every member but the first). */
  savepoint = false;
  /** Committed into the batch; waiting for the batch's COMMIT, no longer holding the turn. */
  detached = false;
  /** Failed at COMMIT: the batch was rolled back as a whole. */
  failed = false;
  granted!: () => void;

  private readonly store: SharedConnection;
  constructor(store: SharedConnection) {
    this.store = store;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.inTransaction) await this.store.beforePlainQuery(this);
    return this.store.run<R>(compiled);
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(compiled);
    for (const row of rows) yield { rows: [row] };
  }
}

class SharedConnection {
  private readonly cache = new Map<string, Prepared>();
  private holder: Turn | null = null;
  private readonly waiting: Turn[] = [];
  /** Plain queries that arrived while a batch was open: they run right after its COMMIT. */
  private readonly parked: Turn[] = [];
  private batch: Batch | null = null;
  private commitScheduled = false;

  readonly db: DatabaseSync;
  private readonly owner: DatabaseSync;
  /** Frames in the WAL at the checkpointer's last pass. */
  private walFrames = 0;
  private checkpointer: Worker | undefined;
  constructor(db: DatabaseSync, owner: DatabaseSync) {
    this.db = db;
    this.owner = owner;
  }

  startCheckpointer(path: string, sync: 'normal' | 'full'): void {
    const worker = new Worker(new URL('./sqlite-checkpointer.ts', import.meta.url), {
      workerData: { path, sync, intervalMs: CHECKPOINT_INTERVAL_MS } satisfies CheckpointerOptions,
    });
    worker.unref();
    worker.on('message', (report: Partial<CheckpointReport>) => {
      if (typeof report.frames === 'number') this.walFrames = report.frames;
    });
    const fallBack = () => {
      if (this.checkpointer !== worker) return;
      this.checkpointer = undefined;
      if (this.db.isOpen) this.db.exec('PRAGMA wal_autocheckpoint = 1000');
    };
    worker.on('error', fallBack);
    worker.on('exit', fallBack);
    this.checkpointer = worker;
  }

  async stopCheckpointer(): Promise<void> {
    const worker = this.checkpointer;
    if (!worker) return;
    this.checkpointer = undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('stop');
    await exited;
  }

  /**
   * After a COMMIT, when the WAL has grown long: checkpoint the tail the worker has not copied yet, so
   * the WAL starts over at the next write. PASSIVE: if the worker is in the middle of a pass, it does
   * nothing and the next COMMIT tries again.
   */
  private restartWalIfLong(): void {
    if (this.walFrames < RESTART_FRAMES) return;
    try {
      const result = this.prepare('PRAGMA wal_checkpoint(PASSIVE)').statement.get() as {
        busy: number;
        log: number;
        checkpointed: number;
      };
      if (result.busy === 0 && result.checkpointed >= result.log) this.walFrames = 0;
    } catch {
      // The commit stands; an I/O error here only leaves the WAL long until the next try.
    }
  }

  private prepare(sql: string): Prepared {
    let found = this.cache.get(sql);
    if (!found) {
      const statement = this.db.prepare(sql);
      found = { statement, reader: statement.columns().length > 0 };
      if (this.cache.size > 500) this.cache.clear();
      this.cache.set(sql, found);
    }
    return found;
  }

  run<R>(compiled: CompiledQuery): QueryResult<R> {
    const { statement, reader } = this.prepare(compiled.sql);
    const parameters = bindable(compiled.parameters);
    if (reader) return { rows: statement.all(...parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(...parameters);
    return { insertId: BigInt(lastInsertRowid), numAffectedRows: BigInt(changes), rows: [] };
  }

  private exec(sql: string): void {
    this.prepare(sql).statement.run();
  }

  acquire(): Promise<Turn> {
    const turn = new Turn(this);
    if (this.holder === null && this.waiting.length === 0 && this.parked.length === 0 && !this.batch) {
      this.holder = turn;
      return Promise.resolve(turn);
    }
    return new Promise((resolve) => {
      turn.granted = () => resolve(turn);
      this.waiting.push(turn);
      this.pass();
    });
  }

  release(turn: Turn): void {
    if (turn.detached) return; // its turn ended at commit
    if (this.holder === turn) {
      this.holder = null;
      this.pass();
    }
  }

  /**
   * Hands the connection on: to the next in line while a batch is open (it may join it). Once nobody
   * waits, the batch commits at the end of this turn of the event loop — work that arrives in the same
   * turn joins it — and then the plain queries parked behind it go first.
   */
  private pass(): void {
    if (this.holder !== null) return;
    if (this.batch) {
      const next = this.waiting.shift();
      if (next) this.grant(next);
      else this.scheduleCommit();
      return;
    }
    const next = this.parked.shift() ?? this.waiting.shift();
    if (next) this.grant(next);
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      if (this.holder !== null || !this.batch) return; // the holder's release schedules it again
      this.commitBatch();
      this.pass();
    });
  }

  private grant(turn: Turn): void {
    this.holder = turn;
    turn.granted();
  }

  /** A plain query must not see an uncommitted batch: it waits until the batch commits. */
  async beforePlainQuery(turn: Turn): Promise<void> {
    if (!this.batch) return;
    await new Promise<void>((resolve) => {
      turn.granted = resolve;
      this.parked.push(turn);
      this.holder = null;
      this.pass();
    });
  }

  async begin(turn: Turn): Promise<void> {
    const batch = this.batch;
    if (batch && (batch.members.length >= MAX_BATCH || performance.now() - batch.started >= MAX_BATCH_MS)) {
      this.commitBatch();
      if (this.parked.length > 0) {
        // The queries parked behind that batch run before the next one opens.
        await new Promise<void>((resolve) => {
          turn.granted = resolve;
          this.waiting.unshift(turn);
          this.holder = null;
          this.pass();
        });
      }
    }
    if (!this.batch) {
      this.exec('begin immediate');
      this.batch = { members: [], started: performance.now() };
    }
    // The batch's first member needs no savepoint: rolling it back is rolling the batch back.
    turn.savepoint = this.batch.members.length > 0;
    if (turn.savepoint) this.exec('savepoint member');
    turn.inTransaction = true;
  }

  /** The member's work is done: it joins the batch and its turn passes on; resolves at the COMMIT. */
  commit(turn: Turn): Promise<void> {
    if (turn.savepoint) this.exec('release member');
    turn.inTransaction = false;
    turn.detached = true;
    const batch = this.batch;
    if (!batch) throw new Error('commit outside a batch');
    const done = new Promise<void>((resolve, reject) => {
      batch.members.push({
        resolve,
        reject: (error) => {
          turn.failed = true;
          reject(error);
        },
      });
    });
    this.holder = null;
    this.pass();
    return done;
  }

  rollback(turn: Turn): void {
    if (turn.failed || !turn.inTransaction) return;
    turn.inTransaction = false;
    if (!this.db.isTransaction) {
      // SQLite rolled the whole transaction back itself (disk full, I/O error): the batch is lost.
      this.loseBatch(new Error('the store rolled the transaction back after an error'));
      return;
    }
    if (turn.savepoint) {
      this.exec('rollback to member');
      this.exec('release member');
      return;
    }
    this.exec('rollback'); // the first member: nobody else is in the batch yet
    this.batch = null;
  }

  private commitBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    if (!this.db.isTransaction) {
      this.loseBatch(new Error('the store rolled the transaction back after an error'));
      return;
    }
    this.batch = null;
    try {
      this.exec('commit');
    } catch (error) {
      if (this.db.isTransaction) this.exec('rollback');
      for (const member of batch.members) member.reject(error);
      return;
    }
    for (const member of batch.members) member.resolve();
    this.restartWalIfLong();
  }

  /** Nothing of the batch committed: every member's commit fails, so none of them is acknowledged. */
  private loseBatch(error: Error): void {
    const batch = this.batch;
    this.batch = null;
    for (const member of batch?.members ?? []) member.reject(error);
  }

  close(): void {
    this.commitBatch();
    this.cache.clear();
    this.db.close();
    this.owner.close(); // last: the file is ours until everything else is closed
  }
}

class GroupCommitDriver implements Driver {
  private readonly shared: SharedConnection;
  constructor(shared: SharedConnection) {
    this.shared = shared;
  }
  async init(): Promise<void> {}
  acquireConnection(): Promise<DatabaseConnection> {
    return this.shared.acquire();
  }
  beginTransaction(connection: DatabaseConnection): Promise<void> {
    return this.shared.begin(connection as Turn);
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.shared.commit(connection as Turn);
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.shared.rollback(connection as Turn);
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.shared.release(connection as Turn);
  }
  async destroy(): Promise<void> {
    await this.shared.stopCheckpointer();
    this.shared.close();
  }
}

/** Our turns serialise the connection; Kysely's own mutex (for single-connection dialects) would only add a second queue. */
class TurnTakingAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

/** Holds an exclusive SQLite lock on a file beside the store while it is open: one server per file. */
function takeOwnership(path: string): DatabaseSync {
  const owner = new DatabaseSync(`${path}.lock`);
  try {
    owner.exec('PRAGMA locking_mode = EXCLUSIVE');
    owner.exec('begin exclusive');
  } catch (error) {
    owner.close();
    throw error;
  }
  return owner;
}

export function sqliteDialect(path: string, sync: 'normal' | 'full'): Dialect {
  const owner = takeOwnership(path);
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(sync === 'full' ? 'PRAGMA synchronous = FULL' : 'PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  // 32 MB of page cache (SQLite's default is 2 MB): the indexes a busy server writes stay in memory.
  db.exec('PRAGMA cache_size = -32768');
  // Checkpoints are the worker's (and, rarely, restartWalIfLong's).
  db.exec('PRAGMA wal_autocheckpoint = 0');
  const shared = new SharedConnection(db, owner);
  shared.startCheckpointer(path, sync);
  return {
    createAdapter: (): DialectAdapter => new TurnTakingAdapter(),
    createDriver: (): Driver => new GroupCommitDriver(shared),
    createIntrospector: (kysely: Kysely<unknown>): DatabaseIntrospector => new SqliteIntrospector(kysely),
    createQueryCompiler: (): QueryCompiler => new SqliteQueryCompiler(),
  };
}
