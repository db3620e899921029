import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  announce,
  POSTGRES,
  runNodeTests,
  type Service,
  selectFiles,
} from '../../server/test/helpers/suites.ts';
import { CHROMIUM } from './helpers/browser.ts';

/**
 * Runs the web suites (node:test) against the built apps in web/dist (`npm test` builds first). Those
 * that drive a browser need Chromium: without it they are listed as skipped, the others still run.
 */
const here = dirname(fileURLToPath(import.meta.url));

const files = readdirSync(here)
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => relative(process.cwd(), join(here, name)))
  .sort();
const usesBrowser = (file: string) => readFileSync(file, 'utf8').includes('launchBrowser');
const browserFiles = files.filter(usesBrowser).length;

const BROWSER: Service = {
  suites: `Browser suites (${browserFiles} of ${files.length} files)`,
  using: existsSync(CHROMIUM) ? CHROMIUM : undefined,
  missing: `no Chromium at ${CHROMIUM}`,
  bring:
    "install Debian's chromium (apt-get install -y chromium) or set SWITCHBOARD_CHROMIUM to a Chromium binary",
};
const skipped = announce('web tests', [BROWSER, { ...POSTGRES, suites: 'PostgreSQL browser suites' }]);
const runnable = BROWSER.using ? files : files.filter((file) => !usesBrowser(file));
if (runnable.some(usesBrowser) && !existsSync(join(here, '..', 'dist', 'console', 'index.html'))) {
  console.error('web tests: the apps are not built — run `npm run build --workspace web` first');
  process.exit(1);
}
// One file at a time: each runs one Chromium, and the machine has two cores.
runNodeTests(
  'web tests',
  ['--test-concurrency=1', '--test-timeout=180000'],
  selectFiles(runnable, process.argv.slice(2)),
  skipped,
);
