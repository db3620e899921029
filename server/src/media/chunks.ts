import { Readable } from 'node:stream';
import type { Db } from '../store/database.ts';
import { chunksPage, deleteChunks, insertChunk, legacyBytesOf } from './statements.ts';

/**
 * Media bytes go to and come from the store a chunk at a time (docs/limits.md, "Fair share"): an upload
 * is written as it arrives (the request is read no faster than the store takes it), a download read a
 * page of chunks a statement and only as fast as the client takes it (the stream's backpressure). So a
 * 100 MiB file costs the server about `CHUNK_BYTES × CHUNKS_PER_READ` of memory, never the file. Each
 * chunk waits for the app's share of the node's transfer rate, so one app's files cannot take the
 * event loop from the others.
 */
export const CHUNK_BYTES = 64 * 1024;

/** Waits for the app's share of the node's transfer rate (limits/rates.ts `pace`). */
export type Pace = (bytes: number) => Promise<void>;
const CHUNKS_PER_READ = 4;

/**
 * Writes `source` as the chunks of `mediaId`; returns its size. On any failure (the client gone, the
 * store) the chunks written so far are deleted and the error passed on.
 */
export async function writeChunks(
  db: Db,
  mediaId: string,
  source: AsyncIterable<Buffer>,
  pace: Pace,
): Promise<number> {
  let position = 0;
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunk = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    // The app's share of the node's transfers: while it waits, the request is not read further.
    await pace(chunk.length);
    await insertChunk(db, mediaId, position++, chunk);
  };
  try {
    for await (const piece of source) {
      size += piece.length;
      pending.push(piece);
      pendingBytes += piece.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    await flush();
    return size;
  } catch (error) {
    await discardChunks(db, mediaId);
    throw error;
  }
}

/** Deletes a file's chunks (an upload refused after its bytes were written). */
export async function discardChunks(db: Db, mediaId: string): Promise<void> {
  await deleteChunks(db, mediaId);
}

/** The file's bytes as a stream: its chunks a page at a time, or (stored before chunks) its one buffer. */
export function readChunks(db: Db, mediaId: string, pace: Pace): Readable {
  return Readable.from(
    (async function* () {
      let after = -1;
      let any = false;
      for (;;) {
        const page = await chunksPage(db, mediaId, after, CHUNKS_PER_READ);
        for (const chunk of page)
          yield Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.length);
        if (page.length > 0) any = true;
        if (page.length < CHUNKS_PER_READ) break;
        after = page[page.length - 1]!.position;
      }
      if (any) return;
      const legacy = await legacyBytesOf(db, mediaId);
      if (legacy && legacy.length > 0) await pace(legacy.length);
      if (legacy && legacy.length > 0) yield Buffer.from(legacy.buffer, legacy.byteOffset, legacy.length);
    })(),
    { objectMode: false },
  );
}
