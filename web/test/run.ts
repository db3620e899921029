import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM } from './helpers/browser.ts';

/** Runs the browser suites (node:test) against the built apps in web/dist (`npm test` builds first). */
const here = dirname(fileURLToPath(import.meta.url));

if (!existsSync(CHROMIUM)) {
  console.error(`web tests: ${CHROMIUM} is missing — install Debian's chromium (.ci/run does it)`);
  process.exit(1);
}
if (!existsSync(join(here, '..', 'dist', 'console', 'index.html'))) {
  console.error('web tests: the apps are not built — run `npm run build --workspace web` first');
  process.exit(1);
}
console.log(
  process.env.SWITCHBOARD_TEST_DATABASE_URL
    ? `PostgreSQL browser suites: on (${process.env.SWITCHBOARD_TEST_DATABASE_URL})`
    : 'PostgreSQL browser suites: SKIPPED — set SWITCHBOARD_TEST_DATABASE_URL=postgres://… to run them',
);

const files = readdirSync(here)
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => relative(process.cwd(), join(here, name)))
  .sort();
const filter = process.argv.slice(2);
const selected = filter.length > 0 ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
// One file at a time: each runs one Chromium, and the machine has two cores.
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=180000', ...selected],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
