import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { createChat, createTestApp, createUser, expectStatus, type TestApp } from './helpers/fixtures.ts';
import { type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { type Receiver, reply, startReceiver, withHandshake } from './helpers/receiver.ts';
import { deliveriesOf, registerWebhook, WEBHOOK_ENV } from './helpers/webhooks.ts';

/**
 * The embedded store's webhook worker thread (docs/scale-out.md, Roles): the delivery log lives in
 * `webhooks.sqlite`, written by the thread alone; a data directory from before the split migrates.
 * The other webhook suites run on the thread too (it is the embedded default).
 */

const WEBHOOK_TABLES = ['webhook_attempts', 'webhook_cursors', 'webhook_deliveries', 'webhooks'];

function tablesIn(file: string): string[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return (
      db
        .prepare("select name from sqlite_master where type = 'table' and name like 'webhook%' order by name")
        .all() as Array<{ name: string }>
    ).map((r) => r.name);
  } finally {
    db.close();
  }
}

async function sendMessages(server: TestServer, app: TestApp, token: string, chatId: string, n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(token),
      body: { message: `message ${i}` },
    });
    ids.push(res.body.eventId);
  }
  return ids;
}

const idsOf = (receiver: Receiver) => receiver.deliveries().map((r) => String(r.headers['webhook-id']));

describe('webhooks on the embedded worker thread', () => {
  const dirs: string[] = [];
  const receivers: Receiver[] = [];
  after(async () => {
    for (const r of receivers) await r.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('moves a data directory from before the split, log and cursor included, and carries on in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-split-'));
    dirs.push(dir);
    const target = await startReceiver();
    receivers.push(target);
    // The old layout: every table in switchboard.sqlite, deliveries on the request thread.
    const old = await startServer('sqlite', WEBHOOK_ENV, {
      dataDir: dir,
      sqlitePath: join(dir, 'switchboard.sqlite'),
    });
    const app = await createTestApp(old, 'split');
    const hook = await registerWebhook(old, app, target.url, ['messages:new']);
    const user = await createUser(old, app);
    const chat = await createChat(old, app, user);
    const before = await sendMessages(old, app, user.token, chat.id, 5);
    await waitFor(async () => idsOf(target).length === 5, 10_000, 'the first deliveries');
    await waitFor(
      async () => (await deliveriesOf(old, app, hook.id)).every((d: Json) => d.status === 'delivered'),
      10_000,
      'the first log',
    );
    const oldLog = await deliveriesOf(old, app, hook.id);
    await old.close();
    assert.deepEqual(tablesIn(join(dir, 'switchboard.sqlite')), WEBHOOK_TABLES);

    const server = await startServer('sqlite', WEBHOOK_ENV, { dataDir: dir });
    try {
      assert.deepEqual(tablesIn(join(dir, 'switchboard.sqlite')), [], 'the webhook tables left the store');
      assert.deepEqual(tablesIn(join(dir, 'webhooks.sqlite')), WEBHOOK_TABLES);
      assert.deepEqual(await deliveriesOf(server, app, hook.id), oldLog, 'the log moved as it was');
      const detail = await expectStatus(
        server,
        200,
        'GET',
        `/v1/webhooks/${hook.id}/deliveries/${oldLog[0]!.id}`,
        {
          headers: app.asApp,
        },
      );
      assert.equal(detail.body.attempts.length, 1, 'attempts moved with their delivery');
      // The cursor moved too: nothing is sent twice, and what follows arrives in order.
      const next = await sendMessages(server, app, user.token, chat.id, 5);
      await waitFor(async () => idsOf(target).length >= 10, 10_000, 'the deliveries after the move');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(idsOf(target), [...before, ...next]);
    } finally {
      await server.close();
    }
  });

  it('keeps order per lane, retries, recovers, and keeps the log across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-thread-'));
    dirs.push(dir);
    let failing = true;
    const target = await startReceiver(
      withHandshake((_request, response) => reply(response, failing ? 500 : 200)),
    );
    receivers.push(target);
    const server = await startServer(
      'sqlite',
      { ...WEBHOOK_ENV, SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '0' },
      {
        dataDir: dir,
      },
    );
    try {
      const app = await createTestApp(server, 'thread');
      const hook = await registerWebhook(server, app, target.url, ['messages:new']);
      const users = [await createUser(server, app), await createUser(server, app)];
      const chats = [await createChat(server, app, users[0]!), await createChat(server, app, users[1]!)];
      // Every attempt fails, once and then for good (a schedule of one retry).
      const sent = new Map<string, string[]>();
      for (const [i, chat] of chats.entries())
        sent.set(chat.id, await sendMessages(server, app, users[i]!.token, chat.id, 3));
      await waitFor(
        async () => {
          const log = await deliveriesOf(server, app, hook.id);
          return log.length === 6 && log.every((d: Json) => d.status === 'failed');
        },
        15_000,
        'every delivery failed',
      );
      const failed = await deliveriesOf(server, app, hook.id);
      failing = false;
      target.received.length = 0;

      // A retry of one (written by the worker thread), then recover for the rest.
      const one = failed.find((d: Json) => d.eventId === sent.get(chats[0]!.id)![0]);
      assert.ok(one, 'the first delivery of the first chat is in the log');
      const retried = await expectStatus(
        server,
        202,
        'POST',
        `/v1/webhooks/${hook.id}/deliveries/${one.id}/retry`,
        {
          headers: app.asApp,
        },
      );
      assert.equal(retried.body.delivery.status, 'pending');
      await waitFor(async () => idsOf(target).length === 1, 10_000, 'the retried delivery');
      const recovered = await expectStatus(server, 202, 'POST', `/v1/webhooks/${hook.id}/recover`, {
        headers: app.asApp,
        body: { since: 0 },
      });
      assert.deepEqual(recovered.body, { queued: 5 });
      await waitFor(async () => idsOf(target).length === 6, 10_000, 'the recovered deliveries');
      // Within each chat (lane) the events arrive in the order they were committed.
      for (const chat of chats) {
        const ids = sent.get(chat.id)!;
        const arrived = idsOf(target).filter((id) => ids.includes(id));
        assert.deepEqual(arrived, ids, `chat ${chat.id} in order`);
      }
      await waitFor(
        async () => (await deliveriesOf(server, app, hook.id)).every((d: Json) => d.status === 'delivered'),
        10_000,
        'the log says delivered',
      );
      const log = await deliveriesOf(server, app, hook.id);

      await server.restart();
      assert.deepEqual(await deliveriesOf(server, app, hook.id), log, 'the log survives a restart');
      const missing = await server.request('POST', `/v1/webhooks/${hook.id}/deliveries/nope/retry`, {
        headers: app.asApp,
      });
      assert.equal(missing.status, 404, 'a domain error from the worker thread keeps its status');
    } finally {
      await server.close();
    }
  });
});
