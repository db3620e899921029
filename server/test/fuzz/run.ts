import fc from 'fast-check';
import { Pool } from 'undici';
import type { StoreKind } from '../helpers/harness.ts';
import { type Case, caseOf, type FrameCase, type HttpCase } from './cases.ts';
import {
  checkAnswer,
  checkEnvelope,
  checkReads,
  FuzzFailure,
  firstDifference,
  nextAck,
  snapshot,
} from './check.ts';
import type { Schema } from './generate.ts';
import {
  adoptRotatedSecret,
  buildWorld,
  heal,
  renewAgentSession,
  renewErasedUser,
  type World,
} from './world.ts';

/**
 * The fuzz run: fast-check draws cases (REST requests over every operation of the OpenAPI document,
 * realtime frames for every request name) from one seed; each is sent to a real server on a real
 * store, and the properties of check.ts are asserted. On failure the seed, the case's number and
 * the request are printed, so `npm run fuzz -- --seed S` replays it.
 */
export interface FuzzOptions {
  store: StoreKind;
  seed: number;
  /** Stop after this many cases… */
  runs?: number;
  /** …or after this long (ms), whichever comes first. */
  timeLimitMs?: number;
  log?: (line: string) => void;
}

export interface FuzzResult {
  store: StoreKind;
  seed: number;
  cases: number;
  http: number;
  frames: number;
  /** Answers by status class. */
  statuses: Record<string, number>;
  /** Accepted changes after which every read was checked. */
  poisonChecks: number;
  /** Refused requests after which the state was compared. */
  unchangedChecks: number;
  failure?: string;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const log = options.log ?? (() => undefined);
  const world = await buildWorld(options.store);
  const result: FuzzResult = {
    store: options.store,
    seed: options.seed,
    cases: 0,
    http: 0,
    frames: 0,
    statuses: {},
    poisonChecks: 0,
    unchangedChecks: 0,
  };
  // Real HTTP over real sockets (kept alive), as a client would send it.
  const address = world.server.sb.http.server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 4 });
  try {
    const document = (await world.server.request('GET', '/v1/openapi.json')).body as Schema;
    const started = Date.now();
    let lastReport = started;
    const property = fc.asyncProperty(caseOf(world, document), async (testCase) => {
      result.cases++;
      try {
        await runCase(world, pool, testCase, result);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new FuzzFailure(`case ${result.cases}: ${describe(testCase)}\n  ${message}`);
      }
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        log(`[${options.store}] ${result.cases} cases, ${Math.round((Date.now() - started) / 1000)} s`);
      }
    });
    const details = await fc.check(property, {
      seed: options.seed,
      numRuns: options.runs ?? Number.MAX_SAFE_INTEGER,
      ...(options.timeLimitMs !== undefined ? { interruptAfterTimeLimit: options.timeLimitMs } : {}),
      markInterruptAsFailure: false,
      // The server keeps state from case to case: shrinking would replay cases on another state.
      endOnFailure: true,
    });
    if (details.failed) {
      const error = details.errorInstance;
      result.failure = `${error instanceof Error ? error.message : String(error)}\n  replay: npm run fuzz -- --store ${options.store} --seed ${options.seed}`;
    }
  } finally {
    await pool.close();
    await world.close();
  }
  return result;
}

function describe(testCase: Case): string {
  if (testCase.kind === 'frame')
    return `frame on the ${testCase.socket} socket: ${testCase.text.slice(0, 600)}`;
  const body = testCase.body === undefined ? '' : ` body ${String(testCase.body).slice(0, 600)}`;
  return `${testCase.method} ${testCase.url} as ${testCase.credential} ${JSON.stringify(testCase.headers['content-type'] ?? '')}${body}`;
}

async function runCase(world: World, pool: Pool, testCase: Case, result: FuzzResult): Promise<void> {
  const { server, app, other } = world;
  const before = await snapshot(server, app.id);
  const otherBefore = await snapshot(server, other.id);
  const accepted =
    testCase.kind === 'http'
      ? await sendHttp(world, pool, testCase, result)
      : await sendFrame(world, testCase, result);
  const after = await snapshot(server, app.id);
  const changed = after !== before;
  if (!accepted && changed)
    throw new FuzzFailure(`refused, yet the app changed:\n  ${firstDifference(before, after)}`);
  if (!accepted) result.unchangedChecks++;
  const byOther =
    testCase.kind === 'http' &&
    (testCase.credential === 'otherSecret' ||
      testCase.credential === 'otherToken' ||
      testCase.credential === 'admin');
  const otherAfter = await snapshot(server, other.id);
  if (!byOther && otherAfter !== otherBefore)
    throw new FuzzFailure(`another app's data changed:\n  ${firstDifference(otherBefore, otherAfter)}`);
  if (changed) {
    // Deleting, deactivating the agent or giving it a new password ends its session by design
    // (docs/security.md, "Sessions"): a new one first, then every read must answer.
    await renewAgentSession(world);
    await renewErasedUser(world);
    await checkReads(world);
    result.poisonChecks++;
    await heal(world);
  }
}

async function sendHttp(world: World, pool: Pool, testCase: HttpCase, result: FuzzResult): Promise<boolean> {
  result.http++;
  const res = await pool.request({
    method: testCase.method as 'GET',
    path: testCase.url,
    headers: testCase.headers,
    ...(testCase.body !== undefined ? { body: testCase.body } : {}),
  });
  const text = await res.body.text();
  const klass = `${Math.floor(res.statusCode / 100)}xx`;
  result.statuses[klass] = (result.statuses[klass] ?? 0) + 1;
  checkAnswer(testCase.operation, res.statusCode, String(res.headers['content-type'] ?? ''), text);
  if (testCase.operation === 'POST /v1/apps/{appId}/rotate' && res.statusCode === 200)
    await adoptRotatedSecret(world, text);
  return res.statusCode < 400;
}

async function sendFrame(world: World, testCase: FrameCase, result: FuzzResult): Promise<boolean> {
  result.frames++;
  const socket = world.sockets[testCase.socket];
  // Frames over 64 KB close the socket by design (1009); the fuzzer keeps its sockets.
  const text =
    Buffer.byteLength(testCase.text) > 60_000
      ? JSON.stringify({ id: testCase.id, event: testCase.event })
      : testCase.text;
  socket.send(text);
  const ack = await nextAck(socket);
  if (ack.ack !== testCase.id)
    throw new FuzzFailure(`ack ${JSON.stringify(ack.ack)} for frame id ${JSON.stringify(testCase.id)}`);
  if (ack.error !== undefined) {
    const code = ack.error?.code;
    const klass = typeof code === 'number' ? `${Math.floor(code / 100)}xx` : 'bad';
    result.statuses[klass] = (result.statuses[klass] ?? 0) + 1;
    if (typeof code !== 'number' || code < 400 || code >= 500)
      throw new FuzzFailure(`realtime ${testCase.event} answered ${JSON.stringify(ack.error)}`);
    checkEnvelope(`realtime ${testCase.event}`, code, { error: ack.error });
    return false;
  }
  result.statuses['2xx'] = (result.statuses['2xx'] ?? 0) + 1;
  return true;
}
