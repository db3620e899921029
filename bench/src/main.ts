/**
 * `npm run bench` — every scenario beside its baseline, in one run, on this machine.
 *   --quick           a smoke run (under 2 minutes); its report goes to results/quick.{json,md}
 *   --only=a,b        only these scenarios (ingest, realtime, stream, connections, webhooks, routing, fairshare)
 *   --store=sqlite|postgres|both   default: sqlite, and postgres too when DATABASE_URL is set
 *   --profile         CPU profiles of the server under test during each measured phase, in
 *                     results/profiles/<store>-<scenario>-<phase>.cpuprofile
 *   --server=DIR      benchmark another server checkout (e.g. a patched copy) instead of ../server
 *   --compare=DIR     before/after in one run: each scenario on DIR's server ("before"), then on
 *                     ../server ("after"); the report goes to results/compare[-quick].{json,md}
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { commitOf, compareRows, num, type Side, writeCompare } from './lib/compare.ts';
import { BENCH_DIR, fileLimits, REPO_DIR } from './lib/proc.ts';
import { machineBusy, machineMeta, printTable, type Row, unavailable, writeReport } from './lib/report.ts';
import { type StoreKind, useServerDir } from './lib/switchboard.ts';
import { cluster } from './scenarios/cluster.ts';
import { connections } from './scenarios/connections.ts';
import type { Scenario, ScenarioContext } from './scenarios/context.ts';
import { fairshare } from './scenarios/fairshare.ts';
import { ingest } from './scenarios/ingest.ts';
import { mixed } from './scenarios/mixed.ts';
import { realtime } from './scenarios/realtime.ts';
import { routing } from './scenarios/routing.ts';
import { stream } from './scenarios/stream.ts';
import { webhooks } from './scenarios/webhooks.ts';

const SCENARIOS: Record<string, Scenario> = {
  ingest,
  realtime,
  stream,
  connections,
  webhooks,
  routing,
  cluster,
  mixed,
  fairshare,
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    store: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    server: { type: 'string' },
    compare: { type: 'string' },
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

if (values.server && values.compare) throw new Error('--server and --compare do not go together');
if (values.server) useServerDir(resolve(values.server));
const sides: Side[] = values.compare
  ? [
      { label: 'before', dir: resolve(values.compare) },
      { label: 'after', dir: join(REPO_DIR, 'server') },
    ]
  : [];
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
const bySide: Record<Side['label'], Row[]> = { before: [], after: [] };
const details: Record<string, unknown> = {};
for (const store of stores) {
  const storeDetails: Record<string, unknown> = {};
  details[store] = storeDetails;
  for (const name of names) {
    for (const side of sides.length > 0 ? sides : [undefined]) {
      if (side) useServerDir(side.dir);
      const tag = side ? `${store} ${side.label}` : store;
      let scenarioDetails = storeDetails;
      if (side) {
        scenarioDetails = (storeDetails[side.label] as Record<string, unknown> | undefined) ?? {};
        storeDetails[side.label] = scenarioDetails;
      }
      const ctx: ScenarioContext = {
        store,
        quick: values.quick,
        profileDir: values.profile ? join(BENCH_DIR, 'results', 'profiles', side?.label ?? '') : undefined,
        log: (message) => log(`[${tag}] ${message}`),
        details: scenarioDetails,
      };
      let result: Row[];
      try {
        result = await SCENARIOS[name]!(ctx);
      } catch (error) {
        log(`${name} failed: ${error instanceof Error ? error.stack : String(error)}`);
        result = [
          unavailable(
            store,
            name,
            `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
            'error',
          ),
        ];
      }
      rows.push(...result);
      if (side) bySide[side.label].push(...result);
    }
  }
}

meta.seconds = (performance.now() - started) / 1000;
process.stdout.write(`\n${printTable(rows)}\n\n`);
if (sides.length > 0) {
  const labels = {
    before: `${sides[0]!.dir} (${commitOf(sides[0]!.dir)})`,
    after: `${sides[1]!.dir} (${commitOf(sides[1]!.dir)})`,
  };
  const compared = compareRows(bySide.before, bySide.after);
  const written = writeCompare(
    values.out ?? join(BENCH_DIR, 'results'),
    values.quick ? 'compare-quick' : 'compare',
    meta,
    labels,
    compared,
    bySide,
  );
  for (const r of compared)
    process.stdout.write(
      `${r.store.padEnd(8)} ${r.scenario.padEnd(11)} ${`${r.metric}${r.unit ? ` (${r.unit})` : ''}`.padEnd(62)} before ${num(r.before).padStart(9)}  after ${num(r.after).padStart(9)}  change ${r.change === null ? '—' : r.change.toFixed(2)}\n`,
    );
  log(`before/after report written to ${written.join(' and ')}`);
  process.exit(rows.some((r) => r.status === 'error') ? 1 : 0);
}
const files = writeReport(
  values.out ?? join(BENCH_DIR, 'results'),
  values.quick ? 'quick' : 'latest',
  meta,
  rows,
  details,
);
log(`report written to ${files.join(' and ')}`);
process.exit(rows.some((r) => r.status === 'error') ? 1 : 0);
