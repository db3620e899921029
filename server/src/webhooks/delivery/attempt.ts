import { countAttempt } from '../../meters/meters.ts';
import type { WebhookRow } from '../../store/schema.ts';
import { nowSeconds } from '../../util/time.ts';
import { signingSecrets } from '../registry.ts';
import { signDelivery } from '../signing.ts';
import { type PostResult, postOnce } from '../transport.ts';
import type { DeliveryContext, DueDelivery } from './context.ts';

/** One attempt: the frozen body, signed now with the webhook's current secrets, POSTed once. */

/** Attempts one delivery; undefined when cut short by shutdown (not an answer to judge). */
export async function attemptDelivery(
  ctx: DeliveryContext,
  hook: WebhookRow,
  row: DueDelivery,
): Promise<PostResult | undefined> {
  const body = Buffer.from(row.body, 'utf8');
  const headers = signDelivery(signingSecrets(hook), row.eventId, nowSeconds(), body);
  const signal = ctx.stopping.signal;
  const result = await postOnce(ctx.agent, hook.target, body, headers, ctx.settings.timeoutMs, signal);
  // It stays pending and is sent again after restart.
  if (signal.aborted) return undefined;
  countAttempt(result.status, result.duration);
  return result;
}
