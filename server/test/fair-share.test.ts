import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';

/**
 * Fair share on a real, listening server (docs/limits.md, "Fair share"): while app A reads a large
 * transcript several times in parallel and uploads and downloads large files, app B's requests all
 * complete, and the process's memory stays bounded — the transcript and the files are streamed in
 * pages and chunks, never held whole. Speed is not asserted here (the machine is shared): the
 * latency comparison is the `fairshare` benchmark (bench/).
 */
const MiB = 1024 * 1024;
/** Each file A uploads and downloads. */
const FILE_BYTES = 24 * MiB;
/** Transcript: 5 imports of 1000 lines of 900 characters (each import under the 1 MiB body limit), about 4.7 MB of JSON. */
const LINE = 'x'.repeat(900);
const IMPORTS = 5;
/**
 * The documented bound (docs/limits.md, "Fair share"): while A moves 4 × 4.7 MB of transcript and
 * 4 × 24 MiB of files (≈ 119 MB), the process's RSS (sampled after a collection, so garbage awaiting
 * the GC does not count) grows by less than 64 MiB. Holding them would cost more than twice that: two
 * uploads whole, two downloads whole and their copies.
 */
const RSS_BOUND = 64 * MiB;

/** The garbage collector, as `--expose-gc` would give it (the test runner's flags are not ours to set). */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** A multipart body streamed as it is generated: the test never holds the file either. */
function streamedUpload(chatId: string, bytes: number): { body: ReadableStream<Uint8Array>; type: string } {
  const boundary = 'fairshareboundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="chatId"\r\n\r\n${chatId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="big.bin"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const piece = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(new Uint8Array(head));
        return;
      }
      if (sent >= bytes) {
        controller.enqueue(new Uint8Array(tail));
        controller.close();
        return;
      }
      const n = Math.min(piece.length, bytes - sent);
      sent += n;
      controller.enqueue(new Uint8Array(piece.subarray(0, n)));
    },
  });
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

/** Reads an answer's body to its end without keeping it; returns its length. */
async function drain(res: Response): Promise<number> {
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}

describeEachStore('fair share: one app cannot slow or starve another', (kind) => {
  let server: TestServer;
  let base: string;
  let a: TestApp;
  let b: TestApp;
  let userA: Person;
  let userB: Person;
  let chatA: Json;
  let chatB: Json;

  before(async () => {
    // Large uploads on a shared test machine may take longer than the default minute to arrive.
    server = await startServer(kind, { SWITCHBOARD_REQUEST_TIMEOUT: '300' });
    a = await createTestApp(server, 'Heavy A');
    b = await createTestApp(server, 'Light B');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: a.asApp,
      body: { media: { maxBytes: 100 * MiB } },
    });
    userA = await createUser(server, a);
    userB = await createUser(server, b);
    chatA = await createChat(server, a, userA);
    chatB = await createChat(server, b, userB);
    for (let i = 0; i < IMPORTS; i++)
      await expectStatus(server, 200, 'POST', `/v1/chats/${chatA.id}/history`, {
        headers: a.asApp,
        body: {
          history: Array.from({ length: 1000 }, () => ({
            sender: 'assistant',
            message: LINE,
            created: 1_700_000_000,
          })),
        },
      });
    base = await server.sb.listen();
  });
  after(() => server.close());

  const api = (path: string, headers: Record<string, string>, init: RequestInit = {}) =>
    fetch(`${base}/v1${path}`, {
      ...init,
      headers: { ...headers, ...(init.headers as Record<string, string>) },
    });

  async function uploadBig(): Promise<string> {
    const { body, type } = streamedUpload(chatA.id, FILE_BYTES);
    const res = await api('/media', a.as(userA.token), {
      method: 'POST',
      body,
      headers: { 'content-type': type },
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 201, await res.clone().text());
    const json = (await res.json()) as Json;
    assert.equal(json.media.size, FILE_BYTES);
    return json.media.id as string;
  }

  it("A's large transcripts and files stream: B's requests all complete, memory stays bounded", async () => {
    const stored = await uploadBig();
    // SQLite's page cache (32 MiB a connection, a fixed cap: store/sqlite-driver.ts) fills on the
    // first reads; warmed here, so what is measured is what the requests themselves hold.
    await drain(await api(`/media/${stored}`, a.as(userA.token)));
    await drain(await api(`/chats/${chatA.id}/history`, a.asApp));
    let peak = 0;
    collect();
    const baseline = process.memoryUsage().rss;
    let loading = true;
    const sampler = (async () => {
      while (loading) {
        // Collected first: what is measured is what the server holds, not garbage awaiting the GC.
        collect();
        peak = Math.max(peak, process.memoryUsage().rss);
        await sleep(250);
      }
    })();
    // B: a read and a write at a time, for as long as A's load runs.
    const bStatuses: number[] = [];
    const bLoop = (async () => {
      let i = 0;
      while (loading) {
        const read = await api(`/chats/${chatB.id}/messages`, b.as(userB.token));
        await read.arrayBuffer();
        const write = await api(`/chats/${chatB.id}/messages`, b.as(userB.token), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message: `b${i++}` }),
        });
        await write.arrayBuffer();
        bStatuses.push(read.status, write.status);
      }
    })();
    const transcripts = Array.from({ length: 4 }, async () => {
      const res = await api(`/chats/${chatA.id}/history`, a.asApp);
      assert.equal(res.status, 200);
      return drain(res);
    });
    const downloads = Array.from({ length: 2 }, async () => {
      const res = await api(`/media/${stored}`, a.as(userA.token));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(FILE_BYTES));
      return drain(res);
    });
    const uploads = Array.from({ length: 2 }, () => uploadBig());
    try {
      const lengths = await Promise.all(transcripts);
      for (const n of lengths) assert.ok(n > IMPORTS * 1000 * LINE.length, `transcript of ${n} bytes`);
      for (const n of await Promise.all(downloads)) assert.equal(n, FILE_BYTES);
      await Promise.all(uploads);
    } finally {
      loading = false;
      await sampler;
      await bLoop;
    }
    const growth = peak - baseline;
    console.log(
      `fair share [${kind}]: RSS growth ${(growth / MiB).toFixed(1)} MiB, B made ${bStatuses.length} requests`,
    );
    assert.ok(bStatuses.length >= 2, 'B was served while A loaded the server');
    assert.ok(
      bStatuses.every((s) => s === 200 || s === 201),
      `B's answers: ${bStatuses.join(',')}`,
    );
    assert.ok(growth < RSS_BOUND, `RSS grew ${(growth / MiB).toFixed(1)} MiB (bound ${RSS_BOUND / MiB} MiB)`);
    // The transcript is whole and in order, as one JSON document.
    const whole = (await (await api(`/chats/${chatA.id}/history`, a.asApp)).json()) as Json;
    const imported = (whole.history as Json[]).filter((line) => line.sender === 'assistant');
    assert.equal(imported.length, IMPORTS * 1000);
    assert.ok(imported.every((line) => line.message === LINE));
    // Then the media messages A posted (one before the load, two during it).
    assert.deepEqual(
      (whole.history as Json[]).slice(IMPORTS * 1000).map((line) => line.type),
      ['media', 'media', 'media'],
    );
  });
});
