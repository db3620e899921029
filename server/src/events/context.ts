import type { Caps } from '../limits/caps.ts';
import type { ChangeDeps } from './commit.ts';
import type { RoutingHooks } from './routing-hooks.ts';

/**
 * The node's dependency object, built once by the composition root (server.ts) in one visible order
 * and handed to every command, handler and transport: nothing in server/src reaches a dependency any
 * other way (no module-level state).
 */
export interface Ctx extends ChangeDeps {
  caps: Caps;
  /** Routing's side of the chat and agent commands (routing sits above them: routing/hooks.ts). */
  routing: RoutingHooks;
}
