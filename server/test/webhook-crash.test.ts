import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describeEachStore, type Json, waitFor } from './helpers/harness.ts';
import { reply, startReceiver, withHandshake } from './helpers/receiver.ts';

/** The server's own directory: `src/main.ts` resolves there whatever directory the tests run from. */
const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));

/** `node src/main.ts` as an operator starts it, on a given store. */
interface Node {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startNode(env: Record<string, string>): Promise<Node> {
  const child = spawn(process.execPath, ['src/main.ts', '--port', '0'], {
    cwd: SERVER_DIR,
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${output}`)), 30000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => reject(new Error(`the server exited: ${output}`)));
  });
  return { child, url, output: () => output, exited };
}

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Json,
) {
  const res = await fetch(`${base}/v1${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}

describeEachStore('webhooks: nothing lost when the server is killed', (kind) => {
  it('kill -9 with 1,000 deliveries pending behind a slow receiver: after a restart every event arrives', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
    const adminKey = 'adm_crash_test';
    const env: Record<string, string> = {
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_ADMIN_KEY: adminKey,
      SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
      SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1',
      SWITCHBOARD_WEBHOOK_TIMEOUT: '5',
    };
    const databaseUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL;
    const schema = `sb_crash_${process.pid}_${Date.now()}`;
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`create schema ${schema}`);
      await client.end();
      const url = new URL(databaseUrl!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      env.DATABASE_URL = url.toString();
    }

    // The receiver: slow (4 s an answer, within the 5 s timeout) until the crash, then quick.
    let slow = true;
    const seen = new Set<string>();
    const receiver = await startReceiver(
      withHandshake((request, response) => {
        seen.add(String(request.headers['webhook-id']));
        if (slow) setTimeout(() => reply(response, 200), 4000).unref();
        else reply(response, 200);
      }),
    );
    let node = await startNode(env);
    try {
      const created = await call(node.url, 'POST', '/apps', { 'x-hyper-admin': adminKey }, { name: 'crash' });
      assert.equal(created.status, 201);
      const asApp = { 'x-hyper-appid': created.body.app.id, 'x-hyper-secret': created.body.secret };
      const hook = await call(node.url, 'POST', '/webhooks', asApp, {
        target: receiver.url,
        events: ['messages:new'],
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      const webhookId = hook.body.webhook.id as string;

      // 10 chats × 100 messages = 1,000 acknowledged events.
      const chats = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const user = await call(node.url, 'POST', '/users', asApp, { name: 'Crash' });
          const headers = {
            'x-hyper-appid': asApp['x-hyper-appid'],
            'x-hyper-token': user.body.session.token,
          };
          const chat = await call(node.url, 'POST', '/chats', headers, {});
          assert.equal(chat.status, 201);
          return { headers, chatId: chat.body.chat.id as string };
        }),
      );
      const expected: string[] = [];
      await Promise.all(
        chats.map(async ({ headers, chatId }) => {
          for (let i = 0; i < 100; i++) {
            const sent = await call(node.url, 'POST', `/chats/${chatId}/messages`, headers, {
              message: `m${i}`,
            });
            assert.equal(sent.status, 201);
            expected.push(sent.body.eventId);
          }
        }),
      );
      assert.equal(expected.length, 1000);
      const before = seen.size;
      assert.ok(before <= 100, `at least 900 deliveries are pending at the crash (${before} seen)`);

      node.child.kill('SIGKILL');
      assert.equal(await node.exited, null, 'killed, not exited');
      slow = false;

      node = await startNode(env);
      await waitFor(async () => expected.every((id) => seen.has(id)), 90000, 'every event after the restart');
      assert.equal(
        expected.filter((id) => seen.has(id)).length,
        1000,
        'all 1,000 distinct webhook-ids arrived',
      );

      // The server agrees: all delivered, nothing pending or failed.
      const count = async (status: string) => {
        let total = 0;
        let cursor: string | null = null;
        do {
          const page: { body: Json } = await call(
            node.url,
            'GET',
            `/webhooks/${webhookId}/deliveries?status=${status}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
            asApp,
          );
          total += page.body.deliveries.length;
          cursor = page.body.next;
        } while (cursor);
        return total;
      };
      await waitFor(async () => (await count('delivered')) === 1000, 20000, 'the log says delivered');
      assert.equal(await count('pending'), 0);
      assert.equal(await count('failed'), 0);
    } finally {
      node.child.kill('SIGKILL');
      await node.exited;
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (kind === 'postgres') {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      }
    }
  });
});
