import { parseArgs } from 'node:util';
import type { StoreKind } from '../helpers/harness.ts';
import { runNotesProperty } from './notes.ts';
import { type FuzzResult, runFuzz } from './run.ts';

/**
 * `npm run fuzz -- --minutes 10 --store sqlite --seed 123` — the long fuzz run (the quick one is in
 * `npm test`, test/fuzz.test.ts). PostgreSQL needs SWITCHBOARD_TEST_DATABASE_URL. Without --seed
 * a random one is drawn and printed first, so any run can be replayed. After it, on each store, the
 * notes property (test/fuzz/notes.ts) for a fifth of the time more.
 */
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    store: { type: 'string', default: 'sqlite' },
    seed: { type: 'string' },
    runs: { type: 'string' },
  },
});
const stores = values.store === 'both' ? ['sqlite', 'postgres'] : [values.store];
for (const store of stores) {
  if (store !== 'sqlite' && store !== 'postgres') throw new Error('--store must be sqlite, postgres or both');
  if (store === 'postgres' && !process.env.SWITCHBOARD_TEST_DATABASE_URL)
    throw new Error('--store postgres needs SWITCHBOARD_TEST_DATABASE_URL=postgres://…');
}
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const minutes = Number(values.minutes);
if (!Number.isInteger(seed) || !(minutes > 0))
  throw new Error('--seed must be an integer, --minutes a positive number');

let failed = false;
for (const store of stores as StoreKind[]) {
  console.log(
    `fuzz: store ${store}, seed ${seed}, up to ${minutes} min${values.runs ? `, ${values.runs} cases` : ''}`,
  );
  const started = Date.now();
  const result: FuzzResult = await runFuzz({
    store,
    seed,
    timeLimitMs: minutes * 60_000,
    ...(values.runs ? { runs: Number(values.runs) } : {}),
    log: (line) => console.log(line),
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `fuzz: store ${store}, seed ${seed}: ${result.cases} cases (${result.http} HTTP, ${result.frames} frames) in ${seconds} s; ` +
      `answers ${JSON.stringify(result.statuses)}; ${result.unchangedChecks} refusals checked unchanged, ` +
      `${result.poisonChecks} accepted changes followed by every read`,
  );
  if (result.failure) {
    failed = true;
    console.log(`fuzz: FAILED on ${store} (seed ${seed}):\n  ${result.failure}`);
  } else console.log(`fuzz: ${store} passed`);
  // The notes property (test/fuzz/notes.ts): a fifth of the time again, at least one minute.
  const notesStarted = Date.now();
  const notes = await runNotesProperty({
    store,
    seed,
    timeLimitMs: Math.max(60_000, (minutes * 60_000) / 5),
    ...(values.runs ? { runs: Math.max(1, Math.ceil(Number(values.runs) / 100)) } : {}),
  });
  console.log(
    `notes: store ${store}, seed ${seed}: ${notes.runs} runs, ${notes.steps} steps, ${notes.notes} notes, ` +
      `${notes.refusedNotes} end-user notes refused, ${notes.searched} reads and frames searched in ` +
      `${Math.round((Date.now() - notesStarted) / 1000)} s`,
  );
  if (notes.failure) {
    failed = true;
    console.log(`notes: FAILED on ${store} (seed ${seed}):\n  ${notes.failure}`);
  } else console.log(`notes: ${store} passed (nothing an end user reached held a note)`);
}
process.exit(failed ? 1 : 0);
