import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs the CLI's test files with node:test (`node test/run.ts [part-of-filename…]`). */
const here = dirname(fileURLToPath(import.meta.url));
console.log(
  process.env.SWITCHBOARD_TEST_DATABASE_URL
    ? `PostgreSQL suites: on (${process.env.SWITCHBOARD_TEST_DATABASE_URL})`
    : 'PostgreSQL suites: SKIPPED — set SWITCHBOARD_TEST_DATABASE_URL=postgres://… to run them',
);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => relative(process.cwd(), join(here, f)))
  .sort();
const filter = process.argv.slice(2);
const selected = filter.length > 0 ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-timeout=120000', ...selected],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
