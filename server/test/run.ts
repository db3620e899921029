import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { announce, POSTGRES, PROMETHEUS, REDIS, runNodeTests, selectFiles } from './helpers/suites.ts';

/**
 * Runs every test file with node:test (`node test/run.ts [part-of-filename…]`). The PostgreSQL and
 * Redis suites run when their URL is given, and are listed as skipped, with how to run them, when not.
 */
const here = dirname(fileURLToPath(import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'helpers' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const skipped = announce('server tests', [POSTGRES, REDIS, PROMETHEUS]);
const files = testFiles(here)
  .map((f) => relative(process.cwd(), f))
  .sort();
// The outbox checks every event against its schema (events/outbox.ts); production never does.
process.env.SWITCHBOARD_CHECK_EVENTS = '1';
runNodeTests('server tests', ['--test-timeout=120000'], selectFiles(files, process.argv.slice(2)), skipped);
