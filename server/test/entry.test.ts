import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as entry from '@switchboard/server';
import { loggerOptions } from '../src/config/logging.ts';

const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));

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

describe('log output', () => {
  it('JSON lines unless stdout is a terminal; at a terminal, pino-pretty with colours unless NO_COLOR', () => {
    assert.deepEqual(loggerOptions('info', false, {}), { level: 'info' });
    const tty = loggerOptions('debug', true, {});
    assert.equal(tty.level, 'debug');
    assert.equal(tty.transport?.target, 'pino-pretty');
    assert.equal(tty.transport?.options.colorize, true);
    assert.equal(loggerOptions('info', true, { NO_COLOR: '1' }).transport?.options.colorize, false);
    // The transport is loaded by name: it must resolve from the server's own package.
    assert.ok(createRequire(import.meta.url).resolve('pino-pretty'));
  });

  it('at a terminal, one line per request: the incoming record is dropped, the completed one says it all', () => {
    const hook = loggerOptions('info', true, {}).hooks?.logMethod;
    assert.ok(hook);
    const logged: unknown[][] = [];
    const log = (...args: unknown[]) => logged.push(args);
    const reply = { statusCode: 201, request: { method: 'POST', url: '/v1/chats' } };
    hook.call(undefined, [{ req: reply.request }, 'incoming request'], log);
    hook.call(undefined, [{ res: reply, responseTime: 3.125 }, 'request completed'], log);
    const err = new Error('boom');
    hook.call(
      undefined,
      [{ res: { ...reply, statusCode: 500 }, err, responseTime: 2 }, 'request errored'],
      log,
    );
    hook.call(undefined, [{ signal: 'SIGTERM' }, 'shutting down'], log);
    assert.deepEqual(logged, [
      [{}, 'POST /v1/chats → 201 (3.1 ms)'],
      [{ err }, 'POST /v1/chats → 500 (2.0 ms) errored'],
      [{ signal: 'SIGTERM' }, 'shutting down'],
    ]);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it('a real start: JSON through a pipe, pretty lines through a terminal', {
    skip: !hasScript && 'no `script` (util-linux) to make a terminal',
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-logs-'));
    const env = {
      ...process.env,
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_LOG_LEVEL: 'info',
      NO_COLOR: '1',
    };
    try {
      const piped = await healthLogged(
        spawn(process.execPath, ['src/main.ts', '--port', '0'], { cwd: SERVER_DIR, env, detached: true }),
      );
      assert.match(piped, /^\{"level":30,.*"msg":"Server listening at http:/m);
      assert.match(piped, /^\{"level":30,.*"msg":"incoming request"/m);
      // `script` gives the server a pseudo-terminal for stdout, as a person's shell does.
      const command = `exec '${process.execPath}' src/main.ts --port 0`;
      const terminal = await healthLogged(
        spawn('script', ['-qfec', command, '/dev/null'], { cwd: SERVER_DIR, env, detached: true }),
      );
      assert.match(terminal, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at http:/m);
      assert.match(terminal, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/v1\/health → 200 \(\d+\.\d ms\)$/m);
      assert.doesNotMatch(terminal, /"level":|incoming request/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** Waits for the server to listen, asks GET /v1/health, and returns the output once it is logged. */
async function healthLogged(child: ChildProcess): Promise<string> {
  let output = '';
  let asked = false;
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no request logged in 30 s:\n${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const url = /listening on (http:\/\/[\d.:]+)/.exec(output)?.[1];
        if (url && !asked && /Server listening at /.test(output)) {
          asked = true;
          fetch(`${url}/v1/health`).catch(reject);
        }
        if (/request completed|\/v1\/health → \d+[^\n]*\n/.test(output)) {
          clearTimeout(timer);
          // Give the record's last bytes a moment: a line may arrive in two chunks.
          setTimeout(() => resolve(output.replaceAll('\r', '')), 100);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => reject(new Error(`exited (${code}) before logging:\n${output}`)));
    });
  } finally {
    const exited = new Promise((resolve) => child.on('exit', resolve));
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
}
