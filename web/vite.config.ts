import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

/**
 * The console and the admin: one multi-page build into dist/ (layout in web/README.md). Shared code
 * (Preact, the design system, the SDK) lands once in dist/assets/ under content-hashed names.
 */
export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    rolldownOptions: {
      input: {
        console: resolve(here, 'console/index.html'),
        admin: resolve(here, 'admin/index.html'),
      },
    },
  },
});
