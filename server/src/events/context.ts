import type { Caps } from '../limits/caps.ts';
import type { Store } from '../store/database.ts';
import type { Bus } from './bus.ts';

/** What every command needs: the store to change, the bus to announce the change on, the caps. */
export interface Ctx {
  store: Store;
  bus: Bus;
  caps: Caps;
}
