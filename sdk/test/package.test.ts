import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The packed package works outside the repository: `npm run pack` emits JavaScript and `.d.ts`, and a
 * consumer with the tarball in its node_modules imports both entry points and typechecks against them.
 */
const sdk = fileURLToPath(new URL('..', import.meta.url));

it('npm run pack emits a package a plain Node consumer imports and TypeScript typechecks', () => {
  const out = execFileSync(process.execPath, [join(sdk, 'scripts/pack.ts')], { encoding: 'utf8' });
  const tarball = out.trim().split('\n').at(-1) ?? '';
  assert.match(tarball, /switchboard-sdk-[\d.]+\.tgz$/);
  const consumer = mkdtempSync(join(tmpdir(), 'sdk-consumer-'));
  try {
    const target = join(consumer, 'node_modules/@switchboard/sdk');
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['xzf', tarball, '-C', target, '--strip-components=1']);
    writeFileSync(join(consumer, 'package.json'), '{"type": "module"}');
    writeFileSync(
      join(consumer, 'use.mjs'),
      `import { createClient, SwitchboardError, TRIGGERS } from '@switchboard/sdk';
import { verifyWebhook } from '@switchboard/sdk/webhooks';
const client = createClient({ baseUrl: 'http://127.0.0.1:1', appId: 'a', secret: 's' });
console.log(typeof client.chats.create, typeof client.realtime, typeof verifyWebhook, TRIGGERS.length,
  new SwitchboardError(404, 'x') instanceof Error);
`,
    );
    assert.equal(
      execFileSync(process.execPath, ['use.mjs'], { cwd: consumer, encoding: 'utf8' }).trim(),
      'function function function 17 true',
    );
    writeFileSync(
      join(consumer, 'use.ts'),
      `import { createClient, type Chat } from '@switchboard/sdk';
import { verifyWebhook } from '@switchboard/sdk/webhooks';
const client = createClient({ baseUrl: 'http://127.0.0.1:1', appId: 'a', secret: 's' });
export async function first(): Promise<Chat | undefined> {
  const { chats } = await client.chats.list({ status: 'waiting' });
  return chats[0];
}
export const check: typeof verifyWebhook = verifyWebhook;
// @ts-expect-error an unknown field is a type error: the types are the server's
client.chats.create({ nope: 1 });
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2024',
          lib: ['es2024', 'dom'],
          types: [],
          strict: true,
          noEmit: true,
        },
        files: ['use.ts'],
      }),
    );
    const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
    execFileSync(process.execPath, [tsc, '-p', consumer], { encoding: 'utf8' });
  } finally {
    rmSync(consumer, { recursive: true, force: true });
  }
});
