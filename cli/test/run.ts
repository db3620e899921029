import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { announce, POSTGRES, runNodeTests, selectFiles } from '../../server/test/helpers/suites.ts';

/** Runs the CLI's test files with node:test (`node test/run.ts [part-of-filename…]`). */
const here = dirname(fileURLToPath(import.meta.url));
const skipped = announce('cli tests', [POSTGRES]);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => relative(process.cwd(), join(here, f)))
  .sort();
runNodeTests('cli tests', ['--test-timeout=120000'], selectFiles(files, process.argv.slice(2)), skipped);
