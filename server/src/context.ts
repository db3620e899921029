import type { Bus } from './bus/bus.ts';
import type { Store } from './store/database.ts';

/** What every command needs: the store to change and the bus to announce the change on. */
export interface Ctx {
  store: Store;
  bus: Bus;
}
