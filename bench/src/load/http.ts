/**
 * HTTP load generator, in its own process.
 * - `saturate`: autocannon (a load generator written for HTTP benchmarking: its own fast client, many
 *   keep-alive connections, closed loop) drives a route as fast as the server answers.
 * - `rate`: an open-loop generator on an undici pool: request i is due at start + i/rate and its
 *   latency counts from that due time, so a slow server cannot hide its queueing (no coordinated
 *   omission, which a closed-loop tool at a capped rate suffers from).
 * - `loop`: a bare undici POST loop (the webhook baseline): `connections` loops each POSTing the
 *   next request as soon as the previous one was answered.
 */
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { serveCalls } from '../lib/proc.ts';
import { Samples, summarize, wallNow } from '../lib/stats.ts';

export interface Target {
  path: string;
  headers: Record<string, string>;
}

export interface LoadSpec {
  url: string;
  targets: Target[];
  /** The JSON body; `{stamp}` in it is replaced by the send time (ms on the machine-wide clock). */
  body: string;
  method?: 'POST' | 'PUT';
  expectStatus?: number;
  durationSec: number;
  connections: number;
  /** Open loop only: requests per second. */
  rate?: number;
  /** Open loop only: seconds sent at the rate before measuring (connections open, JIT warms). */
  warmSec?: number;
  /**
   * Open loop only: how long after the last request is due the answers are awaited (default 5 s).
   * Requests still open then count as unfinished, with the time waited as their (lower-bound) latency.
   */
  graceSec?: number;
}

export interface LoadResult {
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  perSecond: number;
  latency: ReturnType<typeof summarize>;
  /** Open loop: requests that could not be sent on time because too many were in flight. */
  dropped?: number;
  /** Open loop: requests with no answer by the end of the grace period. */
  unfinished?: number;
  firstError?: string;
}

function fill(body: string): string {
  return body.includes('{stamp}') ? body.replace('{stamp}', wallNow().toFixed(3)) : body;
}

async function saturate(spec: LoadSpec): Promise<LoadResult> {
  let next = 0;
  const expected = spec.expectStatus ?? 201;
  let firstError: string | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationSec,
        pipelining: 1,
        timeout: 10,
        requests: [
          {
            method: spec.method ?? 'POST',
            setupRequest: (request) => {
              const target = spec.targets[next++ % spec.targets.length]!;
              return {
                ...request,
                path: target.path,
                headers: { ...target.headers, 'content-type': 'application/json' },
                body: fill(spec.body),
              };
            },
            onResponse: (status, body) => {
              if (status !== expected && firstError === undefined)
                firstError = `${status} ${body.slice(0, 300)}`;
            },
          },
        ],
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('error', () => {});
  });
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const ok = statuses[String(expected)] ?? 0;
  const errors = result.errors + result.timeouts + (result.non2xx ?? 0);
  return {
    ok,
    errors,
    statuses,
    seconds: result.duration,
    perSecond: ok / result.duration,
    latency: {
      count: ok,
      p50: result.latency.p50,
      p95: Number.NaN, // autocannon reports p90 and p97.5, not p95
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    ...(firstError ? { firstError } : {}),
  };
}

async function openLoop(spec: LoadSpec): Promise<LoadResult> {
  const rate = spec.rate!;
  const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const expected = spec.expectStatus ?? 201;
  const warm = Math.round(rate * (spec.warmSec ?? 1));
  const total = warm + Math.round(rate * spec.durationSec);
  const maxInFlight = Math.max(100, rate * 2);
  const samples = new Samples();
  const statuses: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  let sent = 0;
  let done = 0;
  let firstError: string | undefined;
  /** Requests sent and not yet answered: index → due time. */
  const open = new Map<number, number>();
  const start = performance.now();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const complete = () => {
    done++;
    if (done === total) finish();
  };
  const fire = (i: number) => {
    const due = start + (i * 1000) / rate;
    if (inFlight >= maxInFlight) {
      if (i >= warm) dropped++;
      complete();
      return;
    }
    inFlight++;
    open.set(i, due);
    const target = spec.targets[i % spec.targets.length]!;
    pool
      .request({
        path: target.path,
        method: spec.method ?? 'POST',
        headers: { ...target.headers, 'content-type': 'application/json' },
        body: fill(spec.body),
      })
      .then(async (response) => {
        const text = await response.body.text();
        if (!open.delete(i)) return; // past the cutoff: already counted as unfinished
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (i < warm) return;
        if (response.statusCode === expected) {
          ok++;
          samples.push(performance.now() - due);
        } else {
          errors++;
          firstError ??= `${response.statusCode} ${text.slice(0, 300)}`;
        }
      })
      .catch((error: Error) => {
        if (!open.delete(i) || i < warm) return;
        errors++;
        firstError ??= error.message;
      })
      .finally(() => {
        inFlight--;
        complete();
      });
  };
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (sent < due) fire(sent++);
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
  const timeout = setTimeout(finish, ((spec.warmSec ?? 1) + spec.durationSec + (spec.graceSec ?? 5)) * 1000);
  await finished;
  clearTimeout(timeout);
  const seconds = (performance.now() - start) / 1000 - (spec.warmSec ?? 1);
  // Whatever is still open waited at least until now: count it, with that as its latency.
  const cutoff = performance.now();
  let unfinished = 0;
  for (const [i, due] of open) {
    if (i < warm) continue;
    unfinished++;
    samples.push(cutoff - due);
  }
  open.clear();
  await pool.destroy();
  return {
    ok,
    errors,
    statuses,
    seconds,
    perSecond: ok / seconds,
    latency: summarize(samples.values()),
    dropped,
    unfinished,
    ...(firstError ? { firstError } : {}),
  };
}

async function closedLoop(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const expected = spec.expectStatus ?? 200;
  const samples = new Samples();
  const statuses: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let i = 0;
  const start = performance.now();
  const end = start + spec.durationSec * 1000;
  const loops = Array.from({ length: spec.connections }, async () => {
    while (performance.now() < end) {
      const target = spec.targets[i++ % spec.targets.length]!;
      const sentAt = performance.now();
      try {
        const response = await pool.request({
          path: target.path,
          method: spec.method ?? 'POST',
          headers: { ...target.headers, 'content-type': 'application/json' },
          body: fill(spec.body),
        });
        await response.body.dump();
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (response.statusCode === expected) {
          ok++;
          samples.push(performance.now() - sentAt);
        } else errors++;
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  });
  await Promise.all(loops);
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  return {
    ok,
    errors,
    statuses,
    seconds,
    perSecond: ok / seconds,
    latency: summarize(samples.values()),
    ...(firstError ? { firstError } : {}),
  };
}

serveCalls({ saturate, rate: openLoop, loop: closedLoop });
