import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { commitChange } from '../src/events/commit.ts';
import type { TimerRow } from '../src/store/schema.ts';
import { scheduleTimer } from '../src/timers/timers.ts';
import {
  createAgent,
  createChat,
  createTestApp,
  createUser,
  eventsOf,
  expectStatus,
} from './helpers/fixtures.ts';
import { startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';
import { deliveriesOf, registerWebhook, sleep, WEBHOOK_ENV } from './helpers/webhooks.ts';

const PG = 'postgres://x@127.0.0.1/x';
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('the lease setting', () => {
  it('defaults to 5 s, reads SWITCHBOARD_LEASE_MS and --lease-ms (the flag wins)', () => {
    assert.equal(loadConfig([], {}).leaseMs, 5000);
    assert.equal(loadConfig([], { SWITCHBOARD_LEASE_MS: '2000' }).leaseMs, 2000);
    assert.equal(loadConfig(['--lease-ms', '8000'], { SWITCHBOARD_LEASE_MS: '2000' }).leaseMs, 8000);
  });

  it('refuses what is not a whole number of ms from 1000 to 60000, saying so', () => {
    for (const bad of ['', 'soon', '5s', '-5000', '2.5', '999', '60001']) {
      assert.throws(
        () => loadConfig([], { SWITCHBOARD_LEASE_MS: bad }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, `"${bad}" is refused as configuration`);
          assert.match(error.message, /^SWITCHBOARD_LEASE_MS must be/);
          return true;
        },
      );
    }
    assert.throws(() => loadConfig(['--lease-ms', '999'], {}), ConfigError);
  });
});

describe('the role setting', () => {
  it('defaults to all, and reads SWITCHBOARD_ROLE and --role (the flag wins)', () => {
    assert.equal(loadConfig([], {}).role, 'all');
    assert.equal(loadConfig([], { SWITCHBOARD_ROLE: 'worker', DATABASE_URL: PG }).role, 'worker');
    assert.equal(loadConfig(['--role', 'api'], { SWITCHBOARD_ROLE: 'worker', DATABASE_URL: PG }).role, 'api');
    assert.equal(loadConfig(['--role', 'all'], {}).role, 'all');
  });

  it('refuses an unknown role', () => {
    assert.throws(() => loadConfig(['--role', 'both'], { DATABASE_URL: PG }), {
      name: 'Error',
      message: 'SWITCHBOARD_ROLE must be api, worker or all, got "both"',
    });
    assert.throws(() => loadConfig([], { SWITCHBOARD_ROLE: '' }), ConfigError);
  });

  it('refuses api and worker on the embedded store, saying why', () => {
    for (const role of ['api', 'worker']) {
      assert.throws(
        () => loadConfig(['--role', role], {}),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(
            error.message,
            new RegExp(`SWITCHBOARD_ROLE=${role} needs a shared store \\(DATABASE_URL`),
          );
          return true;
        },
      );
    }
  });

  it('exits 2 with the message when started with --role api on the embedded store', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-role-'));
    try {
      const child = spawn(process.execPath, [MAIN, '--port', '0', '--data-dir', dataDir, '--role', 'api'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, DATABASE_URL: '' },
      });
      let err = '';
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
      });
      assert.equal(await new Promise<number | null>((resolve) => child.on('exit', resolve)), 2);
      assert.match(err, /switchboard: SWITCHBOARD_ROLE=api needs a shared store/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const databaseUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL;
const redisUrl = process.env.SWITCHBOARD_TEST_REDIS_URL;

describe('an api node and a worker node on one PostgreSQL schema', { skip: !databaseUrl }, () => {
  let api: TestServer;
  let worker: TestServer;
  let target: Receiver;
  const fired: { node: string; ref: string }[] = [];
  const record = (node: string) => async (timer: TimerRow) => {
    fired.push({ node, ref: timer.ref });
  };
  const env = (role: string) => ({
    ...WEBHOOK_ENV,
    SWITCHBOARD_ROLE: role,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  });

  before(async () => {
    api = await startServer('postgres', env('api'));
    worker = await startServer('postgres', env('worker'), { schema: api.schema });
    api.sb.timers.register('roles-test', record('api'));
    worker.sb.timers.register('roles-test', record('worker'));
    target = await startReceiver();
  });
  after(async () => {
    await worker.close();
    await api.close();
    await target.close();
  });

  it('the worker serves only /v1/health', async () => {
    assert.equal((await worker.request('GET', '/v1/health')).status, 200);
    const apps = await worker.request('GET', '/v1/apps', { headers: { 'x-hyper-admin': worker.adminKey } });
    assert.equal(apps.status, 404);
    assert.match(String(apps.body.message ?? apps.text), /worker/);
  });

  it('a message taken by the api node is delivered by the worker; a timer scheduled there fires there', async () => {
    const app = await createTestApp(api, 'roles');
    const hook = await registerWebhook(api, app, target.url, ['messages:new']);
    const user = await createUser(api, app);
    const chat = await createChat(api, app, user);
    const sent = await expectStatus(api, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
      body: { message: 'through the api node' },
    });
    await waitFor(async () => target.deliveries().length >= 1, 10_000, 'the delivery');
    assert.equal(target.deliveries()[0]!.headers['webhook-id'], sent.body.eventId);
    // The answer is recorded (by the worker) just after the receiver saw it.
    await waitFor(
      async () => (await deliveriesOf(api, app, hook.id))[0]?.status === 'delivered',
      10_000,
      'the delivery log',
    );

    await commitChange(api.sb.ctx, app.id, (tx) =>
      scheduleTimer(tx, { kind: 'roles-test', ref: 'first', appId: app.id, due: Date.now() }),
    );
    await waitFor(async () => fired.length >= 1, 10_000, 'the timer');
    assert.deepEqual(fired, [{ node: 'worker', ref: 'first' }]);
  });

  it('a chat opened on the api node gets its invitation from the worker (the jump is a timer)', async () => {
    const app = await createTestApp(api, 'roles-routing');
    const agent = await createAgent(api, app, { name: 'Ada' });
    const user = await createUser(api, app);
    const opened = await expectStatus(api, 201, 'POST', '/v1/chats', {
      headers: app.as(user.token),
      body: {},
    });
    const invitation = await waitFor(
      async () =>
        (await eventsOf(api, app.id)).find(
          (e) => e.trigger === 'invitations:new' && e.chatId === opened.body.chat.id,
        ),
      10_000,
      'the invitation',
    );
    assert.equal(invitation.data.userId, agent.id);
  });

  it('with the worker stopped, the api node claims no timer and no delivery; both go once it is back', async () => {
    await worker.sb.close();
    const app = await createTestApp(api, 'roles-stopped');
    const hook = await registerWebhook(api, app, target.url, ['messages:new']);
    const user = await createUser(api, app);
    const chat = await createChat(api, app, user);
    const before = target.deliveries().length;
    await expectStatus(api, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
      body: { message: 'nobody delivers this yet' },
    });
    await commitChange(api.sb.ctx, app.id, (tx) =>
      scheduleTimer(tx, { kind: 'roles-test', ref: 'second', appId: app.id, due: Date.now() }),
    );
    // Several of the api node's would-be poll periods (timers 1 s, deliveries 0.5 s).
    await sleep(2500);
    assert.equal(target.deliveries().length, before);
    const timer = await api.sb.store.db
      .selectFrom('timers')
      .selectAll()
      .where('ref', '=', 'second')
      .executeTakeFirstOrThrow();
    assert.equal(timer.claimedUntil, null, 'the api node never claims a timer');
    const row = await api.sb.store.db
      .selectFrom('webhooks')
      .select(['leaseOwner'])
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.leaseOwner, null, 'the api node never takes a webhook lease');
    // Fan-out is a worker's too: the event waits in the outbox.
    assert.deepEqual(await deliveriesOf(api, app, hook.id), []);

    await worker.restart(async () => undefined);
    worker.sb.timers.register('roles-test', record('worker'));
    await waitFor(async () => target.deliveries().length > before, 10_000, 'the delivery after restart');
    await waitFor(async () => fired.some((f) => f.ref === 'second'), 10_000, 'the timer after restart');
    assert.ok(fired.every((f) => f.node === 'worker'));
  });
});
