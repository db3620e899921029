import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs every test file with node:test. Suites that need PostgreSQL (or later Redis) run only when
 * their URL is given; say so plainly when they are skipped.
 */
const here = dirname(fileURLToPath(import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'helpers' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

if (process.env.SWITCHBOARD_TEST_DATABASE_URL) {
  console.log(`PostgreSQL suites: on (${process.env.SWITCHBOARD_TEST_DATABASE_URL})`);
} else {
  console.log('PostgreSQL suites: SKIPPED — set SWITCHBOARD_TEST_DATABASE_URL=postgres://… to run them');
}
if (process.env.SWITCHBOARD_TEST_REDIS_URL) {
  console.log(`Redis suites: on (${process.env.SWITCHBOARD_TEST_REDIS_URL})`);
} else {
  console.log('Redis suites: SKIPPED — set SWITCHBOARD_TEST_REDIS_URL=redis://… to run them');
}

const files = testFiles(here)
  .map((f) => relative(process.cwd(), f))
  .sort();
const filter = process.argv.slice(2);
const selected = filter.length > 0 ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-timeout=120000', ...selected],
  {
    stdio: 'inherit',
    // The outbox checks every event against its schema (events/outbox.ts); production never does.
    env: { ...process.env, SWITCHBOARD_CHECK_EVENTS: '1' },
  },
);
process.exit(result.status ?? 1);
