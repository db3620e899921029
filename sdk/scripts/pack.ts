import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `npm run pack --workspace sdk`: compiles src/ to JavaScript and `.d.ts` (tsc, with no Node types,
 * so nothing Node-only slips into what browsers load) and packs it as sdk/dist/switchboard-sdk-<v>.tgz.
 * Inside the repository the package is used from its sources (package.json `exports` → src/*.ts);
 * the packed manifest points the same `exports` at dist/ instead.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const stage = `${root}dist/package`;
rmSync(`${root}dist`, { recursive: true, force: true });
const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
// tsc rewrites `.ts` specifiers in the JavaScript but not in the declarations: do it there too.
for (const file of readdirSync(`${stage}/dist`, { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.d.ts')) continue;
  const path = `${stage}/dist/${file}`;
  writeFileSync(path, readFileSync(path, 'utf8').replace(/(from '\.{1,2}\/[^']+)\.ts'/g, "$1.js'"));
}

const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Record<string, unknown>;
const entry = (name: string) => ({ types: `./dist/${name}.d.ts`, import: `./dist/${name}.js` });
const packed = {
  ...manifest,
  exports: { '.': entry('index'), './webhooks': entry('webhooks'), './package.json': './package.json' },
  files: ['dist', 'README.md'],
  scripts: undefined,
  devDependencies: undefined,
};
mkdirSync(stage, { recursive: true });
writeFileSync(`${stage}/package.json`, `${JSON.stringify(packed, null, 2)}\n`);
copyFileSync(`${root}README.md`, `${stage}/README.md`);
const out = execFileSync('npm', ['pack', '--json', '--pack-destination', `${root}dist`], {
  cwd: stage,
  encoding: 'utf8',
});
const filename = (JSON.parse(out) as Array<{ filename: string }>).at(0)?.filename;
process.stdout.write(`${root}dist/${filename}\n`);
