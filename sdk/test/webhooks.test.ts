import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { type Received, startReceiver } from '../../server/test/helpers/receiver.ts';
import { WEBHOOK_ENV } from '../../server/test/helpers/webhooks.ts';
import { verifyWebhook, WebhookVerificationError } from '../src/webhooks.ts';
import { describeEachStore, type LiveServer, startLive, waitFor } from './helpers/live.ts';

/**
 * verifyWebhook against what the dispatcher really sends (a real HTTP receiver), during a secret
 * rotation too, and its rejections — each checked beside the `standardwebhooks` reference library.
 */

type Headers = Record<string, string>;

function headersOf(request: Received): Headers {
  return Object.fromEntries(
    Object.entries(request.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

function without(headers: Headers, ...names: string[]): Headers {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k)));
}

/** What the reference library says: the parsed payload, or false when it throws. */
function reference(secret: string, body: Buffer | string, headers: Headers): unknown {
  try {
    return new Webhook(secret).verify(body.toString(), headers);
  } catch {
    return false;
  }
}

async function ours(secret: string | string[], body: Buffer | string, headers: Headers): Promise<unknown> {
  try {
    return await verifyWebhook({ secret, body, headers });
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, String(error));
    return false;
  }
}

describeEachStore('verifyWebhook', (kind) => {
  let live: LiveServer;
  before(async () => {
    live = await startLive(kind, WEBHOOK_ENV);
  });
  after(() => live.close());

  it('accepts every delivery the dispatcher sends, by either signature, before and during a rotation', async () => {
    const receiver = await startReceiver();
    try {
      const { webhook, secret } = await live.asApp.webhooks.create({
        target: `${receiver.url}/hook`,
        events: ['chats:create', 'messages:new'],
      });
      const { user } = await live.asApp.users.create({ name: 'Ann' });
      const { chat } = await live.asApp.chats.create({ creator: user.id });
      await waitFor(async () => receiver.deliveries().length >= 1);
      const { secret: rotated } = await live.asApp.webhooks.rotate(webhook.id);
      await live.asApp.chats.send(chat.id, { message: 'after the rotation' });
      await waitFor(async () => receiver.deliveries().length >= 2);
      const [before, during] = receiver.deliveries();
      assert.ok(before && during);

      for (const [request, secrets] of [
        [before, [secret]],
        [during, [rotated, secret]],
      ] as const) {
        const headers = headersOf(request);
        for (const key of secrets) {
          const envelope = await verifyWebhook({ secret: key, body: request.body, headers });
          assert.deepEqual(envelope, JSON.parse(request.body.toString()));
          assert.deepEqual(reference(key, request.body, headers), envelope, 'the reference library agrees');
          // The HyperChat signature alone, as a receiver that ignores Standard Webhooks would check it.
          const hookOnly = without(headers, 'webhook-id', 'webhook-timestamp', 'webhook-signature');
          assert.deepEqual(
            await verifyWebhook({ secret: key, body: request.body.toString(), headers: hookOnly }),
            envelope,
          );
          // A fetch Headers object works as well as Node's header record.
          assert.deepEqual(
            await verifyWebhook({ secret: key, body: request.body, headers: new Headers(headers) }),
            envelope,
          );
        }
      }
      assert.equal(
        (await verifyWebhook({ secret, body: before.body, headers: headersOf(before) })).trigger,
        'chats:create',
      );
      assert.match(
        headersOf(during)['webhook-signature'] ?? '',
        /^v1,\S+ v1,\S+$/,
        'two signatures during the rotation',
      );
    } finally {
      await receiver.close();
    }
  });

  it('rejects a tampered body, a wrong secret, a stale timestamp and missing headers, as the reference does', async () => {
    const receiver = await startReceiver();
    try {
      const { secret } = await live.asApp.webhooks.create({
        target: `${receiver.url}/hook`,
        events: ['chats:create'],
      });
      await live.asApp.chats.create({ creator: (await live.asApp.users.create({ name: 'Bo' })).user.id });
      const request = await waitFor(async () => receiver.deliveries()[0]);
      const headers = headersOf(request);
      const body = request.body.toString();
      const other = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      const stale = new Webhook(secret).sign(
        headers['webhook-id'] ?? 'x',
        new Date(Date.now() - 10 * 60_000),
        body,
      );
      const cases: Array<[string, string, string, Headers]> = [
        ['tampered body', secret, body.replace('chats:create', 'chats:close'), headers],
        ['wrong secret', other, body, headers],
        [
          'stale timestamp',
          secret,
          body,
          {
            ...headers,
            'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600),
            'webhook-signature': stale,
          },
        ],
        ['no signature headers', secret, body, { 'content-type': 'application/json' }],
        ['webhook-id missing', secret, body, without(headers, 'webhook-id')],
        ['signature from another id', secret, body, { ...headers, 'webhook-id': 'msg_other' }],
      ];
      for (const [what, key, text, h] of cases) {
        assert.equal(await ours(key, text, h), false, `rejects: ${what}`);
        assert.equal(reference(key, text, h), false, `the reference rejects: ${what}`);
      }
      // With only X-Hook-Signature, a tampered body or a wrong secret fails too.
      const hookOnly = without(headers, 'webhook-id', 'webhook-timestamp', 'webhook-signature');
      assert.equal(await ours(secret, `${body} `, hookOnly), false);
      assert.equal(await ours(other, body, hookOnly), false);
      await assert.rejects(verifyWebhook({ secret: '', body, headers }), WebhookVerificationError);
    } finally {
      await receiver.close();
    }
  });
});
