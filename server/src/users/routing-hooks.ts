import type { App } from '../apps/apps.ts';
import type { Emit } from '../events/commit.ts';
import type { Tx } from '../store/database.ts';

/**
 * What the agent commands tell routing when an agent's availability changes (login, logout, status,
 * rooms, capacity), inside that change's transaction. Routing sits above users, so the composition
 * root (server.ts) plugs its implementation in (routing/hooks.ts `agentRouting`).
 */
export interface AgentRouting {
  availabilityChanged(tx: Tx, app: App, rooms: Iterable<number>): Promise<void>;
  /** The agent was deactivated: it leaves its open chats, which go back to routing. */
  departed(tx: Tx, emit: Emit, app: App, agentId: string): Promise<void>;
  /**
   * The agent's role or rooms are about to change to these: its watches of chats it could no longer
   * watch end (docs/people.md, "Supervision"). Called before the agent's row changes (lock order).
   */
  overseeing(tx: Tx, agentId: string, role: string, rooms: readonly number[]): Promise<void>;
}

let plugged: AgentRouting | undefined;

export function plugAgentRouting(routing: AgentRouting): void {
  plugged = routing;
}

export function agentRouting(): AgentRouting {
  if (!plugged) throw new Error('agent routing is not plugged in (see server.ts)');
  return plugged;
}
