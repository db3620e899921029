import { Type } from '@sinclair/typebox';
import { TRIGGERS } from '../../events/catalog.ts';
import { int } from '../../limits/ranges.ts';
import { internal } from '../../util/errors.ts';
import type { Webhooks } from '../../webhooks/service.ts';
import { Id } from '../../wire/fields.ts';
import type { Services } from '../operation.ts';

export const tags = ['webhooks'];
export const Target = Type.String({ minLength: 1, maxLength: 2048, description: 'http or https URL' });
export const Events = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  minItems: 1,
  maxItems: 50,
  description: `Triggers: ${TRIGGERS.join(', ')}`,
});
export const RateLimit = int('rateLimit', { description: 'deliveries per second; 0 = none' });
export const DeliveryParams = Type.Object({ id: Id, deliveryId: Id });

/** The webhook service; REST always has it (only the realtime path goes without). */
export function webhooksOf(services: Services): Webhooks {
  if (!services.webhooks) throw internal('webhooks are not configured');
  return services.webhooks;
}
