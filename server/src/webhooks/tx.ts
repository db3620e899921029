import { withRetry } from '../events/commit.ts';
import type { Store, Tx } from '../store/database.ts';

/** The logger the webhook machinery reports to (pino's shape). */
export interface Log {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
}

/**
 * A transaction re-run on a PostgreSQL deadlock or serialization failure, like `commitChange` does.
 * Webhook bookkeeping records no events, so it does not go through `commitChange` itself.
 */
export function inTransaction<T>(store: Store, work: (tx: Tx) => Promise<T>): Promise<T> {
  return withRetry(() => store.transaction(work));
}
