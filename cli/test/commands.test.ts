import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  describeEachStore,
  freePort,
  type LiveServer,
  startLive,
  waitFor,
} from '../../sdk/test/helpers/live.ts';
import { startReceiver } from '../../server/test/helpers/receiver.ts';
import { WEBHOOK_ENV } from '../../server/test/helpers/webhooks.ts';
import { oneLine, run, start } from './helpers/run.ts';

/** The `switchboard` command as a child process against a real server: output, --json, exit codes. */

const COMMANDS = ['start', 'migrate', 'rebuild-reports', 'apps', 'webhooks', 'listen', 'tail'];

describe('switchboard --help and bad input', () => {
  it('--help lists every command; every command has --help', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    for (const command of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), command);
    for (const args of [['apps', 'list'], ['webhooks', 'deliveries'], ['listen'], ['tail'], ['start']]) {
      const sub = await run([...args, '--help']);
      assert.equal(sub.code, 0, args.join(' '));
      assert.match(sub.stdout, new RegExp(`^Usage: switchboard ${args.join(' ')}`, 'm'));
    }
    assert.match((await run(['start', '--help'])).stdout, /--database-url <value>/);
  });

  it('bad flags and missing credentials: one line on stderr, exit 2', async () => {
    for (const [args, message] of [
      [['apps', 'lst'], /unknown command 'lst'/],
      [['apps', 'list', '--nope'], /unknown option '--nope'/],
      [['webhooks', 'create', '--target', 'http://x'], /required option '--events/],
      [['listen'], /required option '--forward-to/],
      [['tail', '--events', 'nope', '--app', 'a', '--secret', 's'], /unknown event "nope"/],
      [['webhooks', 'list'], /no app id/],
      [['apps', 'list'], /no admin key/],
      [['webhooks', 'list', '--url', 'localhost:8000', '--app', 'a', '--secret', 's'], /--url must be/],
      [['migrate', '--log-level', 'loud'], /SWITCHBOARD_LOG_LEVEL/],
    ] as const) {
      const result = await run([...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(oneLine(result), message);
    }
  });

  it('an unreachable server: one line, exit 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await run(['webhooks', 'list', '--url', url, '--app', 'a', '--secret', 's']);
    assert.equal(result.code, 1);
    assert.match(oneLine(result), new RegExp(`cannot reach ${url}`));
    const tail = await run(['tail'], {
      SWITCHBOARD_URL: url,
      SWITCHBOARD_APP_ID: 'a',
      SWITCHBOARD_SECRET: 's',
    });
    assert.equal(tail.code, 1);
    assert.match(oneLine(tail), /cannot reach/);
  });

  it('migrate brings a data directory up to date; start runs the server as npm start does', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
    try {
      const migrated = await run(['migrate', '--data-dir', dataDir]);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /migrations up to date \(SQLite in .+\)/);
      const rebuilt = await run(['rebuild-reports', '--data-dir', dataDir]);
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.match(rebuilt.stdout, /reports rebuilt/);
      const port = await freePort();
      const server = start(
        ['start', '--port', String(port), '--data-dir', dataDir, '--admin-key', 'adm_cli'],
        {
          SWITCHBOARD_LOG_LEVEL: 'warn',
        },
      );
      try {
        await waitFor(async () => server.stdout().includes('listening on'), 20000, 'the server to listen');
        const apps = await run([
          'apps',
          'list',
          '--json',
          '--url',
          `http://127.0.0.1:${port}`,
          '--admin-key',
          'adm_cli',
        ]);
        assert.equal(apps.code, 0, apps.stderr);
        assert.deepEqual(
          (JSON.parse(apps.stdout) as Array<{ name: string }>).map((a) => a.name),
          ['Demo'],
        );
      } finally {
        assert.equal(await server.stop(), 0, 'SIGTERM stops it cleanly');
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('switchboard migrate on PostgreSQL', { skip: !process.env.SWITCHBOARD_TEST_DATABASE_URL }, () => {
  it('creates the schema of an empty database and exits 0, twice', async () => {
    const databaseUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL ?? '';
    const schema = `sb_cli_migrate_${process.pid}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query(`create schema ${schema}`);
      // The schema through the connection's search_path, as an operator would point at their own.
      const url = `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      for (let i = 0; i < 2; i++) {
        const result = await run(['migrate'], { DATABASE_URL: url });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout.trim(), 'migrations up to date (PostgreSQL)');
      }
      const { rows } = await admin.query<{ n: number }>(
        "select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name in ('apps', 'chats', 'events', 'switchboard_migrations')",
        [schema],
      );
      assert.equal(rows[0]?.n, 4);
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  });
});

describeEachStore('switchboard apps and webhooks', (kind) => {
  let live: LiveServer;
  let url: string;
  before(async () => {
    live = await startLive(kind, WEBHOOK_ENV);
    url = live.url;
  });
  after(() => live.close());

  it('apps create prints id, secret and domain key; apps list --json lists it; wrong key → exit 1', async () => {
    const admin = ['--url', url, '--admin-key', live.server.adminKey];
    const created = await run(['apps', 'create', 'Shop', ...admin]);
    assert.equal(created.code, 0, created.stderr);
    const id = /^app id: +(\S+)$/m.exec(created.stdout)?.[1];
    const secret = /^secret: +(\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(id && secret, created.stdout);
    assert.match(created.stdout, /^domain key: +\S+$/m);
    const list = await run(['apps', 'list', '--json', ...admin]);
    assert.equal(list.code, 0);
    assert.ok((JSON.parse(list.stdout) as Array<{ id: string }>).some((a) => a.id === id));
    const table = await run(['apps', 'list', ...admin]);
    assert.match(table.stdout, new RegExp(`^${id}\\s+Shop\\s`, 'm'));
    // The printed secret works.
    const hooks = await run(['webhooks', 'list', '--json', '--url', url, '--app', id, '--secret', secret]);
    assert.deepEqual(JSON.parse(hooks.stdout), []);
    const wrong = await run(['apps', 'list', '--url', url, '--admin-key', 'wrong']);
    assert.equal(wrong.code, 1);
    assert.match(oneLine(wrong), /refused the credentials \(401/);
    const wrongSecret = await run(['webhooks', 'list'], {
      SWITCHBOARD_URL: url,
      SWITCHBOARD_APP_ID: live.app.id,
      SWITCHBOARD_SECRET: 'wrong',
    });
    assert.equal(wrongSecret.code, 1);
    assert.match(oneLine(wrongSecret), /401/);
  });

  it('webhooks create, list, deliveries, retry and delete', async () => {
    const receiver = await startReceiver();
    const env = {
      SWITCHBOARD_URL: url,
      SWITCHBOARD_APP_ID: live.app.id,
      SWITCHBOARD_SECRET: live.app.secret,
    };
    try {
      const created = await run(
        ['webhooks', 'create', '--target', `${receiver.url}/hook`, '--events', 'chats:create', '--json'],
        env,
      );
      assert.equal(created.code, 0, created.stderr);
      const { webhook, secret } = JSON.parse(created.stdout) as { webhook: { id: string }; secret: string };
      assert.match(secret, /^whsec_/);
      const list = JSON.parse((await run(['webhooks', 'list', '--json'], env)).stdout) as Array<{
        id: string;
      }>;
      assert.deepEqual(
        list.map((w) => w.id),
        [webhook.id],
      );
      await live.asApp.chats.create({ creator: (await live.asApp.users.create({ name: 'Ann' })).user.id });
      const delivered = await waitFor(async () => {
        const result = await run(['webhooks', 'deliveries', webhook.id, '--json'], env);
        const rows = JSON.parse(result.stdout) as Array<{ id: string; status: string }>;
        return rows.find((d) => d.status === 'delivered');
      });
      const failed = await run(['webhooks', 'deliveries', webhook.id, '--status', 'failed', '--json'], env);
      assert.deepEqual(JSON.parse(failed.stdout), []);
      const bad = await run(['webhooks', 'deliveries', webhook.id, '--status', 'lost'], env);
      assert.equal(bad.code, 2);
      const before = receiver.deliveries().length;
      const retried = await run(['webhooks', 'retry', delivered.id], env);
      assert.equal(retried.code, 0, retried.stderr);
      assert.match(retried.stdout, new RegExp(`retrying ${delivered.id} \\(webhook ${webhook.id}\\)`));
      await waitFor(async () => receiver.deliveries().length > before, 10000, 'the retried delivery');
      const unknown = await run(['webhooks', 'retry', 'nope'], env);
      assert.equal(unknown.code, 1);
      assert.match(oneLine(unknown), /no webhook of this app has a delivery nope \(404\)/);
      assert.equal((await run(['webhooks', 'delete', webhook.id], env)).code, 0);
      assert.deepEqual(JSON.parse((await run(['webhooks', 'list', '--json'], env)).stdout), []);
      const gone = await run(['webhooks', 'delete', webhook.id], env);
      assert.equal(gone.code, 1);
      assert.match(oneLine(gone), /\(404\)/);
    } finally {
      await receiver.close();
    }
  });
});
