import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The embedded store's WAL checkpointer, on a thread of its own (see sqlite-driver.ts). It copies
 * committed pages from the WAL into the database file and syncs it — the slow part of a checkpoint,
 * milliseconds of disk flushing that would otherwise stall the event loop of the server. PASSIVE mode
 * never waits for, nor blocks, the server's writes.
 */
export interface CheckpointerOptions {
  path: string;
  sync: 'normal' | 'full';
  intervalMs: number;
}

/** What the checkpointer reports after each pass: frames in the WAL, and how many are in the file. */
export interface CheckpointReport {
  frames: number;
  checkpointed: number;
}

const port = parentPort;
if (!port) throw new Error('sqlite-checkpointer runs as a worker thread');
const { path, sync, intervalMs } = workerData as CheckpointerOptions;

const db = new DatabaseSync(path);
db.exec(sync === 'full' ? 'PRAGMA synchronous = FULL' : 'PRAGMA synchronous = NORMAL');
db.exec('PRAGMA busy_timeout = 1000');
db.exec('PRAGMA wal_autocheckpoint = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

let timer: NodeJS.Timeout | undefined;
function pass(): void {
  timer = undefined;
  try {
    const row = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    port?.postMessage({ frames: row.log, checkpointed: row.checkpointed } satisfies CheckpointReport);
  } catch (error) {
    // Busy or a transient I/O error: the next pass tries again; the server falls back if this persists.
    port?.postMessage({ error: String(error) });
  }
  timer = setTimeout(pass, intervalMs);
}
timer = setTimeout(pass, intervalMs);

port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  if (timer) clearTimeout(timer);
  db.close();
  port.close();
});
