import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The server's own directory: `src/main.ts` resolves there whatever directory the tests run from. */
const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The server as a user starts it: `node src/main.ts`, a real port, real signals. */
interface Running {
  child: ChildProcess;
  url: string;
  output: string;
  exited: Promise<number | null>;
}

async function start(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, ['src/main.ts', '--port', '0'], {
    cwd: SERVER_DIR,
    env: { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 20000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match && output.includes('Docs:')) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => reject(new Error(`server exited: ${output}`)));
  });
  // Keep collecting what it prints after start.
  const running: Running = { child, url, output, exited };
  child.stdout!.on('data', (c: Buffer) => {
    running.output += c.toString();
  });
  await new Promise((r) => setTimeout(r, 100));
  running.output = output;
  return running;
}

function printed(output: string, label: RegExp): string {
  const match = label.exec(output);
  assert.ok(match, `missing ${label} in:\n${output}`);
  return match[1]!;
}

describe('the server process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-process-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the admin key, a demo app and the URLs on first start, and they work', async () => {
    const node = await start(dataDir);
    try {
      const adminKey = printed(node.output, /Admin key \(x-hyper-admin\): (\S+)/);
      const appId = printed(node.output, /appId \(x-hyper-appid\):\s+(\S+)/);
      const secret = printed(node.output, /secret \(x-hyper-secret\):\s+(\S+)/);
      const domainKey = printed(node.output, /domain key \(x-hyper-key\):\s+(\S+)/);
      assert.match(node.output, /API:\s+http:\/\/127\.0\.0\.1:\d+\/v1/);
      assert.match(node.output, /Docs:\s+http:\/\/127\.0\.0\.1:\d+\/docs/);
      assert.match(node.output, /Demo:\s+http:\/\/127\.0\.0\.1:\d+\/demo\//);
      // The demo agent printed in the banner can sign in (the console's side of the demo).
      const agent = /demo agent \(console\):\s+(\S+)\s+password (\S+)/.exec(node.output);
      assert.ok(agent, node.output);
      const login = await fetch(`${node.url}/v1/agents/login`, {
        method: 'POST',
        headers: { 'x-hyper-appid': appId, 'content-type': 'application/json' },
        body: JSON.stringify({ contact: agent[1], password: agent[2] }),
      });
      assert.equal(login.status, 200);
      assert.equal(readFileSync(join(dataDir, 'admin-key'), 'utf8').trim(), adminKey);

      const apps = await fetch(`${node.url}/v1/apps`, { headers: { 'x-hyper-admin': adminKey } });
      assert.equal(apps.status, 200);
      assert.equal(((await apps.json()) as { apps: Array<{ name: string }> }).apps[0]!.name, 'Demo');
      const user = await fetch(`${node.url}/v1/users`, {
        method: 'POST',
        headers: { 'x-hyper-appid': appId, 'x-hyper-secret': secret, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Ann' }),
      });
      assert.equal(user.status, 201);
      const settings = await fetch(`${node.url}/v1/settings`, {
        headers: { 'x-hyper-appid': appId, 'x-hyper-key': domainKey },
      });
      assert.equal(settings.status, 200);
      const docs = await fetch(`${node.url}/docs/`);
      assert.equal(docs.status, 200);
      assert.match(await docs.text(), /swagger/i);
    } finally {
      node.child.kill('SIGTERM');
      assert.equal(await node.exited, 0);
    }
  });

  it('on SIGTERM finishes the request in flight, exits 0, and keeps the data for the next start', async () => {
    // Info logs: the request's "incoming request" line says it reached the server before the signal.
    const node = await start(dataDir, { SWITCHBOARD_LOG_LEVEL: 'info' });
    // Not a first start: same admin key, no second demo app.
    assert.doesNotMatch(node.output, /Demo app created/);
    const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    const created = await fetch(`${node.url}/v1/apps`, {
      method: 'POST',
      headers: { 'x-hyper-admin': adminKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Shutdown' }),
    });
    const { app, secret } = (await created.json()) as { app: { id: string }; secret: string };
    const headers = { 'x-hyper-appid': app.id, 'x-hyper-secret': secret, 'content-type': 'application/json' };
    // Agent creation runs scrypt: a request that is still in flight when the signal arrives.
    const inFlight = fetch(`${node.url}/v1/agents`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Late', contact: 'late@example.com', password: 'pw', rooms: [1] }),
    });
    // Signal only once the server has the request: on a loaded machine a fixed pause could send the
    // signal before the request arrived, and a request that arrives after it is rightly refused (503).
    const arrived = Date.now();
    while (
      !/"url":"\/v1\/agents"[^\n]*incoming request|incoming request[^\n]*"url":"\/v1\/agents"/.test(
        node.output,
      )
    ) {
      assert.ok(Date.now() - arrived < 10000, `the request never reached the server:\n${node.output}`);
      await new Promise((r) => setTimeout(r, 1));
    }
    node.child.kill('SIGTERM');
    const response = await inFlight;
    assert.equal(response.status, 201);
    assert.equal(await node.exited, 0);

    const again = await start(dataDir);
    try {
      const agents = await fetch(`${again.url}/v1/agents`, { headers });
      assert.equal(agents.status, 200);
      const body = (await agents.json()) as { agents: Array<{ contact: string }> };
      assert.deepEqual(
        body.agents.map((a) => a.contact),
        ['late@example.com'],
      );
    } finally {
      again.child.kill('SIGTERM');
      assert.equal(await again.exited, 0);
    }
  });

  it('refuses bad configuration with a clear message and exit code 2', async () => {
    const child = spawn(process.execPath, ['src/main.ts', '--port', 'eighty'], {
      cwd: SERVER_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(err, /SWITCHBOARD_PORT must be an integer/);

    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
    const bad = spawn(
      process.execPath,
      ['src/main.ts', '--port', '0', '--data-dir', dataDir, '--webhook-allowlist', '10.0.0.0/99'],
      {
        cwd: SERVER_DIR,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let badErr = '';
    bad.stderr.on('data', (c: Buffer) => {
      badErr += c.toString();
    });
    assert.equal(await new Promise<number | null>((resolve) => bad.on('exit', resolve)), 2);
    assert.match(badErr, /SWITCHBOARD_WEBHOOK_ALLOWLIST: "10\.0\.0\.0\/99" is not a CIDR/);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
