import { DatabaseSync } from 'node:sqlite';
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
import { StatementCache } from './sqlite-statements.ts';
import { WalKeeper } from './sqlite-wal.ts';

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
 * - **Checkpoints off the event loop** (sqlite-wal.ts), and statements prepared once per SQL text
 *   (sqlite-statements.ts).
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
  private holder: Turn | null = null;
  private readonly waiting: Turn[] = [];
  /** Plain queries that arrived while a batch was open: they run right after its COMMIT. */
  private readonly parked: Turn[] = [];
  private batch: Batch | null = null;
  private commitScheduled = false;

  readonly db: DatabaseSync;
  private readonly owner: DatabaseSync | undefined;
  private readonly statements: StatementCache;
  private readonly beginSql: string;
  readonly wal: WalKeeper;
  /** Checkpoints the attached file (its WAL grows too when this connection writes it). */
  readonly attachedWal: WalKeeper;
  constructor(db: DatabaseSync, owner: DatabaseSync | undefined, beginSql: string) {
    this.db = db;
    this.owner = owner;
    this.beginSql = beginSql;
    this.statements = new StatementCache(db);
    this.wal = new WalKeeper(db, this.statements);
    this.attachedWal = new WalKeeper(db, this.statements);
  }

  run<R>(compiled: CompiledQuery): QueryResult<R> {
    return this.statements.run<R>(compiled);
  }

  private exec(sql: string): void {
    this.statements.exec(sql);
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
      this.exec(this.beginSql);
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
    this.wal.afterCommit();
  }

  /** Nothing of the batch committed: every member's commit fails, so none of them is acknowledged. */
  private loseBatch(error: Error): void {
    const batch = this.batch;
    this.batch = null;
    for (const member of batch?.members ?? []) member.reject(error);
  }

  close(): void {
    this.commitBatch();
    this.statements.clear();
    this.db.close();
    this.owner?.close(); // last: the file is ours until everything else is closed
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
    await Promise.all([this.shared.wal.stop(), this.shared.attachedWal.stop()]);
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

/**
 * A second database file on the same connection (`ATTACH`): the webhook delivery log, which the
 * embedded worker thread writes (store/delivery-file.ts). Unqualified table names resolve to
 * whichever file has the table, so statements need not know where a table lives.
 */
export interface AttachedFile {
  schema: string;
  path: string;
}

export interface SqliteDialectOptions {
  attach?: AttachedFile | undefined;
  /**
   * Take the one-server-per-file lock (the default). The embedded worker thread opens the delivery
   * file without it: the main thread's lock on the store already guards the data directory.
   */
  own?: boolean;
  /** Checkpoint the attached file from this connection too (the default; off where another does). */
  checkpointAttached?: boolean;
}

export function sqliteDialect(
  path: string,
  sync: 'normal' | 'full',
  options: SqliteDialectOptions = {},
): Dialect {
  const owner = options.own === false ? undefined : takeOwnership(path);
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(sync === 'full' ? 'PRAGMA synchronous = FULL' : 'PRAGMA synchronous = NORMAL');
  const { attach } = options;
  if (attach) {
    if (!/^[a-z]+$/.test(attach.schema)) throw new Error(`invalid schema name ${attach.schema}`);
    db.prepare(`ATTACH DATABASE ? AS ${attach.schema}`).run(attach.path);
    db.exec(`PRAGMA ${attach.schema}.journal_mode = WAL`);
    db.exec(`PRAGMA ${attach.schema}.synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  }
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  // 32 MB of page cache (SQLite's default is 2 MB): the indexes a busy server writes stay in memory.
  db.exec('PRAGMA cache_size = -32768');
  // Checkpoints are the worker's (and, rarely, restartWalIfLong's).
  db.exec('PRAGMA wal_autocheckpoint = 0');
  // BEGIN IMMEDIATE write-locks every attached file: with two files, each of two connections writes
  // only its own, so a transaction takes a file's write lock only when it writes there (DEFERRED).
  // Neither connection can then be refused an upgrade: each file has one writer.
  const shared = new SharedConnection(db, owner, attach ? 'begin' : 'begin immediate');
  shared.wal.start(path, sync);
  if (attach && options.checkpointAttached !== false) shared.attachedWal.start(attach.path, sync);
  return {
    createAdapter: (): DialectAdapter => new TurnTakingAdapter(),
    createDriver: (): Driver => new GroupCommitDriver(shared),
    createIntrospector: (kysely: Kysely<unknown>): DatabaseIntrospector => new SqliteIntrospector(kysely),
    createQueryCompiler: (): QueryCompiler => new SqliteQueryCompiler(),
  };
}
