import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { ROOM_LABELS_MAX, roomLabels } from '../src/metrics/store-gauges.ts';
import { documentedMetrics, parseExposition, sampleValue } from './helpers/exposition.ts';
import { createAgent, createChat, createTestApp, createUser, expectStatus } from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';
import { registerWebhook, WEBHOOK_ENV } from './helpers/webhooks.ts';

/** Prometheus metrics (docs/operations.md): a port of their own, off by default, every metric documented. */

async function scrape(url: string) {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(String(res.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

describe('metrics configuration', () => {
  it('is off unless --metrics-port / SWITCHBOARD_METRICS_PORT is set, and never the public port', () => {
    assert.equal(loadConfig([], {}).metricsPort, undefined);
    assert.equal(loadConfig(['--metrics-port', '9464'], {}).metricsPort, 9464);
    assert.equal(loadConfig([], { SWITCHBOARD_METRICS_PORT: '9464' }).metricsPort, 9464);
    assert.throws(() => loadConfig(['--metrics-port', '8000'], {}), ConfigError);
    assert.throws(() => loadConfig([], { SWITCHBOARD_METRICS_PORT: 'x' }), ConfigError);
  });

  it(`labels at most ${ROOM_LABELS_MAX} rooms by id, the rest as "other"`, () => {
    const rooms = Array.from({ length: ROOM_LABELS_MAX + 5 }, (_, i) => i + 1);
    const label = roomLabels(rooms);
    assert.equal(label(1), '1');
    assert.equal(label(ROOM_LABELS_MAX), String(ROOM_LABELS_MAX));
    assert.equal(label(ROOM_LABELS_MAX + 1), 'other');
    assert.equal(new Set(rooms.map(label)).size, ROOM_LABELS_MAX + 1);
  });
});

describeEachStore('metrics', (kind) => {
  describe('off by default', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(kind);
    });
    after(() => server.close());

    it('opens no metrics port, and the public port has no /metrics', async () => {
      assert.equal(server.sb.metrics.url(), undefined);
      const base = await server.sb.listen();
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 404);
      await res.arrayBuffer();
    });
  });

  describe('on --metrics-port', () => {
    let server: TestServer;
    let receiver: Receiver;
    let base: string;
    let metricsUrl: string;
    before(async () => {
      receiver = await startReceiver();
      server = await startServer(kind, { ...WEBHOOK_ENV, SWITCHBOARD_METRICS_PORT: '0' });
      base = await server.sb.listen();
      metricsUrl = server.sb.metrics.url()!;
    });
    after(async () => {
      await server.close();
      await receiver.close();
    });

    it('serves GET /metrics on its own port only', async () => {
      assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      assert.notEqual(new URL(metricsUrl).port, new URL(base).port);
      const pub = await fetch(`${base}/metrics`);
      assert.equal(pub.status, 404);
      await pub.arrayBuffer();
      const other = await fetch(new URL('/v1/health', metricsUrl));
      assert.equal(other.status, 404);
      await other.arrayBuffer();
    });

    it('parses, lists exactly the documented switchboard_* metrics with their types, and counts traffic', async () => {
      const app = await createTestApp(server);
      await createAgent(server, app);
      const hook = await registerWebhook(server, app, receiver.url, ['messages:new']);
      assert.ok(hook.id);
      const user = await createUser(server, app);
      const chat = await createChat(server, app, user, { room: 1 });
      await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
        headers: app.as(user.token),
        body: { message: 'hello' },
      });
      await waitFor(async () => receiver.deliveries().length >= 1, 10_000, 'the webhook delivery');

      // Attempts are counted once the answer is in (on SQLite: on the webhook thread); the backlog
      // (read from the store, a second at most behind) empties once the answer is recorded.
      const { samples, types } = await waitFor(
        async () => {
          const scraped = await scrape(metricsUrl);
          const delivered = sampleValue(scraped.samples, 'switchboard_webhook_attempts_total', {
            result: 'delivered',
          });
          const backlog = sampleValue(scraped.samples, 'switchboard_webhook_backlog');
          return (delivered ?? 0) >= 1 && backlog === 0 ? scraped : undefined;
        },
        10_000,
        'the delivery attempt counted and recorded',
      );

      const documented = documentedMetrics();
      assert.ok(documented.size >= 15, `docs/operations.md lists ${documented.size} metrics`);
      const exposed = new Map([...types].filter(([name]) => name.startsWith('switchboard_')));
      assert.deepEqual(new Map([...exposed].sort()), new Map([...documented].sort()));
      assert.ok(types.has('nodejs_eventloop_lag_seconds'), 'event-loop lag is exposed');

      assert.equal(sampleValue(samples, 'switchboard_messages_total'), 1);
      assert.equal(sampleValue(samples, 'switchboard_chats_waiting', { room: '1' }), 1);
      assert.ok((sampleValue(samples, 'switchboard_chats_oldest_wait_seconds', { room: '1' }) ?? -1) >= 0);
      assert.ok((sampleValue(samples, 'switchboard_agents_online', { room: '1' }) ?? 0) >= 1);
      assert.ok((sampleValue(samples, 'switchboard_agents_available', { room: '1' }) ?? 0) >= 1);
      assert.equal(sampleValue(samples, 'switchboard_store_up'), 1);
      assert.equal(sampleValue(samples, 'switchboard_bus_up', { bus: 'memory' }), 1);
      assert.equal(sampleValue(samples, 'switchboard_sockets_open', { gateway: 'realtime' }), 0);
      assert.ok((sampleValue(samples, 'switchboard_webhook_attempt_seconds_count') ?? 0) >= 1);
      if (kind === 'postgres') {
        // The sequencer positioned this node's changes: both stages of the outbox lag were observed.
        for (const stage of ['positioned', 'published'])
          assert.ok(
            (sampleValue(samples, 'switchboard_outbox_lag_seconds_count', { stage }) ?? 0) >= 1,
            stage,
          );
      }

      // HTTP latency by route pattern: the pattern is a label value, the chat's id never is.
      const posted = sampleValue(samples, 'switchboard_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/chats/:id/messages',
        status: '201',
      });
      assert.equal(posted, 1);
      const raw = samples.filter((s) => Object.values(s.labels).some((v) => v.includes(chat.id)));
      assert.deepEqual(raw, [], 'no raw URL in any label');
    });

    it('counts an invitation sent and its end by outcome', async () => {
      const app = await createTestApp(server, 'Routing');
      const agent = await createAgent(server, app);
      const user = await createUser(server, app);
      const chat = await createChat(server, app, user, { room: 1 });
      await waitFor(
        async () => {
          const res = await server.request('GET', '/v1/invitations', { headers: app.as(agent.token) });
          return res.body.invitations?.some((i: { chatId: string }) => i.chatId === chat.id);
        },
        10_000,
        'the invitation',
      );
      const before = await scrape(metricsUrl);
      const accepted =
        sampleValue(before.samples, 'switchboard_invitations_ended_total', { outcome: 'accepted' }) ?? 0;
      assert.ok((sampleValue(before.samples, 'switchboard_invitations_sent_total') ?? 0) >= 1);
      assert.ok(
        (sampleValue(before.samples, 'switchboard_routing_jump_seconds_count', { outcome: 'invited' }) ??
          0) >= 1,
      );
      await expectStatus(server, 200, 'POST', '/v1/invitations/accept', {
        headers: app.as(agent.token),
        body: { chatId: chat.id },
      });
      const after = await scrape(metricsUrl);
      assert.equal(
        sampleValue(after.samples, 'switchboard_invitations_ended_total', { outcome: 'accepted' }),
        accepted + 1,
      );
    });
  });
});
