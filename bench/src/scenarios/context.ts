import { join } from 'node:path';
import { BENCH_DIR, cpuSecondsOf } from '../lib/proc.ts';
import type { Row } from '../lib/report.ts';
import type { RunningServer, StoreKind } from '../lib/switchboard.ts';

export interface ScenarioContext {
  store: StoreKind;
  quick: boolean;
  /** Set with --profile: where the server under test writes its --cpu-prof profile. */
  profileDir: string | undefined;
  log(message: string): void;
  /** Raw figures for the JSON report. */
  details: Record<string, unknown>;
}

export type Scenario = (ctx: ScenarioContext) => Promise<Row[]>;

export const LOAD = {
  http: join(BENCH_DIR, 'src', 'load', 'http.ts'),
  realtime: join(BENCH_DIR, 'src', 'load', 'realtime.ts'),
  receiver: join(BENCH_DIR, 'src', 'load', 'receiver.ts'),
  stream: join(BENCH_DIR, 'src', 'load', 'stream.ts'),
  bare: join(BENCH_DIR, 'src', 'baselines', 'bare.ts'),
};

/** A chat line of typical length; `{stamp}` becomes the send time. */
export const MESSAGE_BODY = JSON.stringify({
  message: 'Hello! I ordered a blue kettle last week and it has not arrived yet; could you check? t={stamp}',
});

/**
 * Runs a measured phase against the server under test: notes the share of one core the server used
 * meanwhile, and profiles it when the run asked for profiles.
 */
export async function phase<T>(
  ctx: ScenarioContext,
  server: Pick<RunningServer, 'pid' | 'profile'>,
  name: string,
  work: () => Promise<T>,
  /** Load generator processes whose CPU share is noted too (a saturated generator skews latency). */
  generator?: number,
): Promise<{ value: T; cpu: number; cpuSeconds: number; generatorCpu: number }> {
  const done = await server.profile(`${ctx.store}-${name}`);
  const cpu0 = cpuSecondsOf(server.pid);
  const gen0 = generator === undefined ? 0 : cpuSecondsOf(generator);
  const t0 = performance.now();
  const value = await work();
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSecondsOf(server.pid) - cpu0;
  const generatorCpu = generator === undefined ? 0 : (cpuSecondsOf(generator) - gen0) / seconds;
  await done();
  return {
    value,
    cpu: Math.round((cpuSeconds / seconds) * 100) / 100,
    cpuSeconds,
    generatorCpu: Math.round(generatorCpu * 100) / 100,
  };
}

/** A baseline process: CPU noted, never profiled. */
export function plain(pid: number): Pick<RunningServer, 'pid' | 'profile'> {
  return { pid, profile: async () => async () => {} };
}
