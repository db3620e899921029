import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { CheckpointerOptions, CheckpointReport } from './sqlite-checkpointer.ts';
import type { StatementCache } from './sqlite-statements.ts';

const CHECKPOINT_INTERVAL_MS = 20;
/** 16 MB of WAL (4 KB pages). */
const RESTART_FRAMES = 4096;

/**
 * Checkpoints off the event loop. Copying the WAL back into the database file and syncing it is
 * milliseconds of disk work; done by SQLite inside a COMMIT it stalled every request behind it. A
 * worker thread (sqlite-checkpointer.ts) does it instead, every `CHECKPOINT_INTERVAL_MS`, without
 * blocking writes. The WAL can only start over once all of it is in the file, which under steady
 * writes the worker never quite catches; so once it holds `RESTART_FRAMES`, the next COMMIT is
 * followed by a checkpoint here of the little the worker has not copied yet (`afterCommit`). Should
 * the worker die, SQLite's own automatic checkpoints come back.
 */
export class WalKeeper {
  /** Frames in the WAL at the checkpointer's last pass. */
  private walFrames = 0;
  private checkpointer: Worker | undefined;
  private readonly db: DatabaseSync;
  private readonly statements: StatementCache;
  constructor(db: DatabaseSync, statements: StatementCache) {
    this.db = db;
    this.statements = statements;
  }

  start(path: string, sync: 'normal' | 'full'): void {
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

  async stop(): Promise<void> {
    const worker = this.checkpointer;
    if (!worker) return;
    this.checkpointer = undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // Unref'd while it runs (it must not keep a process alive); held now, or a process with nothing
    // else left would end while close() still waits for this exit.
    worker.ref();
    worker.postMessage('stop');
    await exited;
  }

  /**
   * After a COMMIT, when the WAL has grown long: checkpoint the tail the worker has not copied yet, so
   * the WAL starts over at the next write. PASSIVE: if the worker is in the middle of a pass, it does
   * nothing and the next COMMIT tries again. Only `main`: an attached file has a keeper of its own.
   */
  afterCommit(): void {
    if (this.walFrames < RESTART_FRAMES) return;
    try {
      const result = this.statements.statement('PRAGMA main.wal_checkpoint(PASSIVE)').get() as {
        busy: number;
        log: number;
        checkpointed: number;
      };
      if (result.busy === 0 && result.checkpointed >= result.log) this.walFrames = 0;
    } catch {
      // The commit stands; an I/O error here only leaves the WAL long until the next try.
    }
  }
}
