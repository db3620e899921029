import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import * as entry from '@switchboard/server';

describe('the public entry (@switchboard/server)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-entry-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exports what the CLI and the SDK generator use, and nothing reaches past it', () => {
    const { startServer, buildServer, migrate, loadConfig, signDelivery } = entry;
    for (const fn of [startServer, buildServer, migrate, loadConfig, signDelivery]) {
      assert.equal(typeof fn, 'function');
    }
    assert.ok(entry.SETTINGS.length > 10);
    const require = createRequire(import.meta.url);
    assert.throws(() => require.resolve('@switchboard/server/src/server.ts'), /not defined by "exports"/);
  });

  it('migrate, then startServer: listens, prints the banner, answers, closes', async () => {
    const config = entry.loadConfig(['--port', '0', '--data-dir', dataDir, '--admin-key', 'adm_entry'], {});
    assert.deepEqual(await entry.migrate(config), { dialect: 'sqlite' });
    let printed = '';
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        printed += chunk.toString();
        done();
      },
    });
    const { node, url } = await entry.startServer(
      { ...config, logLevel: 'warn' },
      { out, handleSignals: false },
    );
    try {
      assert.match(printed, new RegExp(`listening on ${url.replaceAll('.', '\\.')}`));
      assert.match(printed, /Demo app created/);
      const health = await fetch(`${url}/v1/health`);
      assert.equal(health.status, 200);
    } finally {
      await node.close();
    }
  });
});
