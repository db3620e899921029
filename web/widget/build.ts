/**
 * Builds the widget after the console and admin (`npm run build --workspace web`): two classic
 * scripts, so that neither needs CORS on the customer's page —
 *   dist/widget.js        the loader (budget 3 KB gzip), stable URL pasted into sites
 *   dist/widget/panel-<hash>.js  the panel, Preact and the SDK included (with the loader: 30 KB gzip),
 *                         named after its content so it is cached for good
 * — and copies the demo page to dist/demo/. Budgets are checked by web/test/widget-budget.test.ts.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, type InlineConfig } from 'vite';

const here = import.meta.dirname;
const web = resolve(here, '..');
const dist = resolve(web, 'dist');

function library(entry: string, outDir: string, fileName: string): InlineConfig {
  return {
    root: web,
    configFile: false,
    publicDir: false,
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir,
      emptyOutDir: false,
      target: 'es2020',
      minify: true,
      reportCompressedSize: false,
      lib: {
        entry: resolve(here, entry),
        formats: ['iife'],
        name: 'SwitchboardWidget',
        fileName: () => fileName,
      },
    },
  };
}

// The panel first, named after its content so it can be cached for good; the loader (a stable URL,
// revalidated) is built knowing that name.
const panelDir = resolve(dist, 'widget');
rmSync(panelDir, { recursive: true, force: true });
await build(library('panel/main.tsx', panelDir, 'panel.js'));
const hash = createHash('sha256')
  .update(readFileSync(resolve(panelDir, 'panel.js')))
  .digest('base64url')
  .slice(0, 8);
const panelFile = `panel-${hash}.js`;
renameSync(resolve(panelDir, 'panel.js'), resolve(panelDir, panelFile));
await build({
  ...library('loader.ts', dist, 'widget.js'),
  define: { __SWITCHBOARD_PANEL__: JSON.stringify(panelFile) },
});
mkdirSync(resolve(dist, 'demo'), { recursive: true });
copyFileSync(resolve(web, 'demo', 'index.html'), resolve(dist, 'demo', 'index.html'));
