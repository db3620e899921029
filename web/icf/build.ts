/**
 * Builds dist/icf.sdk.js (`npm run build --workspace web`, after the widget): HyperChat's browser SDK
 * (docs/icf.md), one classic script with the SDK inside, served at /icf.sdk.js (revalidated).
 * Its budget (25 KB gzip) is checked by web/test/icf-budget.test.ts.
 */
import { resolve } from 'node:path';
import { build } from 'vite';

const here = import.meta.dirname;
const web = resolve(here, '..');

await build({
  root: web,
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: resolve(web, 'dist'),
    emptyOutDir: false,
    target: 'es2020',
    minify: true,
    reportCompressedSize: false,
    lib: {
      entry: resolve(here, 'main.ts'),
      formats: ['iife'],
      name: 'SwitchboardICF',
      fileName: () => 'icf.sdk.js',
    },
  },
});
