import type { Caps } from '../limits/caps.ts';
import type { Rates } from '../limits/rates.ts';
import type { Store } from '../store/database.ts';
import type { Bus } from './bus.ts';

/** What every command needs: the store to change, the bus to announce the change on, the caps and rates. */
export interface Ctx {
  store: Store;
  bus: Bus;
  caps: Caps;
  /** Per-app rate caps (fair share): messages, end users, uploads. */
  rates: Rates;
}
