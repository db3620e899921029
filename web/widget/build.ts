/**
 * Builds the widget after the console and admin (`npm run build --workspace web`): two classic
 * scripts, so that neither needs CORS on the customer's page —
 *   dist/widget.js        the loader (budget 3 KB gzip), stable URL pasted into sites
 *   dist/widget/panel.js  the panel, Preact and the SDK included (budget with the loader: 30 KB gzip)
 * — and copies the demo page to dist/demo/. Budgets are checked by web/test/widget-budget.test.ts.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
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

await build(library('loader.ts', dist, 'widget.js'));
await build(library('panel/main.tsx', resolve(dist, 'widget'), 'panel.js'));
mkdirSync(resolve(dist, 'demo'), { recursive: true });
copyFileSync(resolve(web, 'demo', 'index.html'), resolve(dist, 'demo', 'index.html'));
