import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The webhook dispatcher's lane index gains `next_attempt`: whether a lane has a delivery armed
 * (pending with a `next_attempt`) is then read from the index alone, next to the lane's head (the
 * pending delivery with the lowest position), instead of from every pending row of the lane. It
 * replaces the index it extends, so deliveries cost no more index upkeep than before.
 */
export function webhookSpeed(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('webhook_deliveries_lane').execute();
      await db.schema
        .createIndex('webhook_deliveries_lane')
        .on('webhook_deliveries')
        .columns(['webhook_id', 'lane', 'status', 'position', 'next_attempt'])
        .execute();
    },
  };
}
