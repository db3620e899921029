/**
 * `npm run bench` — every scenario beside its baseline, in one run, on this machine.
 *   --quick           a smoke run (under 2 minutes); its report goes to results/quick.{json,md}
 *   --only=a,b        only these scenarios (ingest, realtime, stream, connections, webhooks, routing)
 *   --store=sqlite|postgres|both   default: sqlite, and postgres too when DATABASE_URL is set
 *   --profile         CPU profiles of the server under test during each measured phase, in
 *                     results/profiles/<store>-<scenario>-<phase>.cpuprofile
 *   --server=DIR      benchmark another server checkout (e.g. a patched copy) instead of ../server
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, fileLimits } from './lib/proc.ts';
import { machineBusy, machineMeta, printTable, type Row, unavailable, writeReport } from './lib/report.ts';
import { type StoreKind, useServerDir } from './lib/switchboard.ts';
import { connections } from './scenarios/connections.ts';
import type { Scenario, ScenarioContext } from './scenarios/context.ts';
import { ingest } from './scenarios/ingest.ts';
import { realtime } from './scenarios/realtime.ts';
import { routing } from './scenarios/routing.ts';
import { stream } from './scenarios/stream.ts';
import { webhooks } from './scenarios/webhooks.ts';

const SCENARIOS: Record<string, Scenario> = { ingest, realtime, stream, connections, webhooks, routing };

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    store: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    server: { type: 'string' },
  },
  strict: true,
});

const names = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(SCENARIOS);
for (const name of names)
  if (!SCENARIOS[name])
    throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
let stores: StoreKind[];
if (values.store === 'both') stores = ['sqlite', 'postgres'];
else if (values.store === 'sqlite' || values.store === 'postgres') stores = [values.store];
else if (values.store) throw new Error('--store must be sqlite, postgres or both');
else stores = process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
if (stores.includes('postgres') && !process.env.DATABASE_URL)
  throw new Error('--store postgres needs DATABASE_URL');

if (values.server) useServerDir(resolve(values.server));
const mode = values.quick ? 'quick' : 'full';
const meta = machineMeta(mode, fileLimits());
meta.busyBefore = await machineBusy();
const started = performance.now();
const log = (message: string) =>
  process.stderr.write(
    `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`,
  );
log(
  `${mode} run: ${names.join(', ')} on ${stores.join(', ')}; ${meta.cores} cores, ${meta.memoryGiB} GiB, Node ${meta.node}`,
);

const rows: Row[] = [];
const details: Record<string, unknown> = {};
for (const store of stores) {
  const storeDetails: Record<string, unknown> = {};
  details[store] = storeDetails;
  for (const name of names) {
    const ctx: ScenarioContext = {
      store,
      quick: values.quick,
      profileDir: values.profile ? join(BENCH_DIR, 'results', 'profiles') : undefined,
      log: (message) => log(`[${store}] ${message}`),
      details: storeDetails,
    };
    try {
      const result = await SCENARIOS[name]!(ctx);
      rows.push(...result);
    } catch (error) {
      log(`${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
      rows.push(
        unavailable(
          store,
          name,
          `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
          'error',
        ),
      );
    }
  }
}

meta.seconds = (performance.now() - started) / 1000;
process.stdout.write(`\n${printTable(rows)}\n\n`);
const files = writeReport(
  values.out ?? join(BENCH_DIR, 'results'),
  values.quick ? 'quick' : 'latest',
  meta,
  rows,
  details,
);
log(`report written to ${files.join(' and ')}`);
process.exit(rows.some((r) => r.status === 'error') ? 1 : 0);
