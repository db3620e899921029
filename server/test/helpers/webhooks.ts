import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { expectStatus, type TestApp } from './fixtures.ts';
import type { Json, TestServer } from './harness.ts';
import type { Received } from './receiver.ts';

/** Loopback opened, short retries, short timeout: what webhook tests run with. */
export const WEBHOOK_ENV = {
  SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
  SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1,1',
  SWITCHBOARD_WEBHOOK_TIMEOUT: '2',
};

export interface Registered {
  id: string;
  secret: string;
  webhook: Json;
}

export async function registerWebhook(
  server: TestServer,
  app: TestApp,
  target: string,
  events: string[],
  extra: Json = {},
): Promise<Registered> {
  const res = await expectStatus(server, 201, 'POST', '/v1/webhooks', {
    headers: app.asApp,
    body: { target, events, ...extra },
  });
  return { id: res.body.webhook.id, secret: res.body.secret, webhook: res.body.webhook };
}

export function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

/** Headers as the standardwebhooks package wants them. */
export function standardHeaders(request: Received): Record<string, string> {
  return {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
}

/**
 * A delivery is signed both ways with `secret` (docs/webhooks.md): `X-Hook-Signature` is the plain hex
 * HMAC of the raw bytes (one of the space-separated values), the Standard Webhooks headers verify with
 * the standardwebhooks package, and there is no `X-Hook-Secret` header (docs/conventions.md).
 */
export function assertSigned(request: Received, secret: string): void {
  assert.equal(request.method, 'POST');
  assert.match(String(request.headers['content-type']), /^application\/json/);
  assert.equal(request.headers['x-hook-secret'], undefined, 'a delivery never carries X-Hook-Secret');
  const hookSignatures = String(request.headers['x-hook-signature']).split(' ');
  for (const s of hookSignatures) assert.match(s, /^[0-9a-f]{64}$/);
  assert.ok(hookSignatures.includes(hmacHex(secret, request.body)), 'X-Hook-Signature matches the HMAC');
  assert.match(String(request.headers['webhook-timestamp']), /^\d+$/);
  const timestamp = Number(request.headers['webhook-timestamp']);
  assert.ok(Math.abs(timestamp - Date.now() / 1000) < 30, 'webhook-timestamp is the time of the attempt');
  // Throws unless the signature verifies (and the timestamp is fresh).
  new Webhook(secret).verify(request.body, standardHeaders(request));
}

export async function deliveriesOf(
  server: TestServer,
  app: TestApp,
  webhookId: string,
  query = '',
): Promise<Json[]> {
  const res = await expectStatus(server, 200, 'GET', `/v1/webhooks/${webhookId}/deliveries${query}`, {
    headers: app.asApp,
  });
  return res.body.deliveries;
}

export async function deliveryDetail(
  server: TestServer,
  app: TestApp,
  webhookId: string,
  id: string,
): Promise<Json> {
  return (
    await expectStatus(server, 200, 'GET', `/v1/webhooks/${webhookId}/deliveries/${id}`, {
      headers: app.asApp,
    })
  ).body;
}

/** Outbox events of an app with their ids, in position order. */
export async function outbox(
  server: TestServer,
  appId: string,
): Promise<Array<{ id: string; trigger: string; chatId: string | null; data: Json; created: number }>> {
  const rows = await server.sb.store.db
    .selectFrom('events')
    .select(['id', 'trigger', 'chatId', 'data', 'created'])
    .where('appId', '=', appId)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Json }));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
