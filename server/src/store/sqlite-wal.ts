import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { CheckpointerOptions, CheckpointReport } from './sqlite-checkpointer.ts';

const CHECKPOINT_INTERVAL_MS = 20;
/** 16 MB of WAL (4 KB pages). */
const RESTART_FRAMES = 4096;
/** A checkpointer that does not answer a catch-up request in this time (hung) no longer holds writes. */
const HOLD_MAX_MS = 1000;
/** After a catch-up that could not finish (a reader pins the WAL), writes are not held again this soon. */
const HOLD_BACKOFF_MS = 200;

/**
 * Checkpoints off the event loop. Copying the WAL back into the database file and syncing it is
 * milliseconds of disk work; done by SQLite inside a COMMIT it stalled every request behind it. A
 * worker thread (sqlite-checkpointer.ts) does it instead, every `CHECKPOINT_INTERVAL_MS`, without
 * blocking writes. The WAL can only start over when a write transaction begins with all of it in
 * the file, which under steady writes the worker never quite catches. So once it holds
 * `RESTART_FRAMES`, the COMMIT that notices asks the worker for a pass at once, and the next write
 * transaction waits (`ready`) until that pass reports the WAL fully copied: the write after it
 * starts the WAL over. Only new transactions wait, a few milliseconds; the event loop does not (a
 * checkpoint here on the request thread, as before, stalled everything for its two syncs: 2–16 ms
 * about once a second at 1,000 msg/s). Should the worker die, SQLite's own automatic checkpoints
 * come back.
 */
export class WalKeeper {
  /** Frames in the WAL at the checkpointer's last pass. */
  private walFrames = 0;
  private checkpointer: Worker | undefined;
  /** New write transactions wait for this: a catch-up pass asked for and not reported yet. */
  private hold: { done: Promise<void>; release: () => void } | undefined;
  /** No new hold before this time (ms, performance.now()). */
  private holdAgainAt = 0;
  private readonly db: DatabaseSync;
  constructor(db: DatabaseSync) {
    this.db = db;
  }

  start(path: string, sync: 'normal' | 'full'): void {
    const worker = new Worker(new URL('./sqlite-checkpointer.ts', import.meta.url), {
      workerData: { path, sync, intervalMs: CHECKPOINT_INTERVAL_MS } satisfies CheckpointerOptions,
    });
    worker.unref();
    worker.on('message', (report: Partial<CheckpointReport>) => {
      const { frames, checkpointed } = report;
      if (typeof frames === 'number') this.walFrames = frames;
      if (!this.hold || !report.now) return;
      // Copied through: the next write transaction starts the WAL over.
      if (typeof frames === 'number' && typeof checkpointed === 'number' && checkpointed >= frames)
        this.walFrames = 0;
      else this.holdAgainAt = performance.now() + HOLD_BACKOFF_MS; // a reader pins it, or an error
      this.hold.release();
    });
    const fallBack = () => {
      if (this.checkpointer !== worker) return;
      this.checkpointer = undefined;
      this.hold?.release();
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
    this.hold?.release();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('stop');
    await exited;
  }

  /**
   * After a COMMIT, when the WAL has grown long: asks the checkpointer for a pass now, and holds new
   * write transactions until it reports — the backpressure that keeps the WAL bounded however fast
   * the writes come (`HOLD_MAX_MS` only guards against a hung thread). Only `main`: an attached file
   * has a keeper of its own.
   */
  afterCommit(): void {
    const worker = this.checkpointer;
    if (!worker || this.hold || this.walFrames < RESTART_FRAMES || performance.now() < this.holdAgainAt)
      return;
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const timer = setTimeout(() => {
      this.holdAgainAt = performance.now() + HOLD_BACKOFF_MS;
      hold.release();
    }, HOLD_MAX_MS);
    const hold = {
      done,
      release: () => {
        if (this.hold !== hold) return;
        this.hold = undefined;
        clearTimeout(timer);
        release();
      },
    };
    this.hold = hold;
    worker.postMessage('now');
  }

  /** Undefined, or what a new write transaction waits for first (see `afterCommit`). */
  ready(): Promise<void> | undefined {
    return this.hold?.done;
  }
}
