import type { App } from '../apps/apps.ts';
import type { Tx } from '../store/database.ts';
import type { ChatRow } from '../store/schema.ts';
import type { Emit } from './commit.ts';

/**
 * What the chat and agent commands tell routing, inside the transaction of the change. Routing sits
 * above chats and users (it invites agents into chats), so they know only these interfaces; the
 * composition root (server.ts) puts routing's implementation (routing/hooks.ts) in the Ctx.
 */
export interface ChatRouting {
  /** A chat was opened: queue it or start its loop; arm its inactivity timer. */
  created(tx: Tx, emit: Emit, app: App, chat: ChatRow): Promise<void>;
  /** An agent joined: the loop has done its work. */
  joined(tx: Tx, emit: Emit, app: App, chatId: string): Promise<void>;
  /** `chat` as the closing transaction left it. */
  closed(tx: Tx, emit: Emit, app: App, chat: ChatRow): Promise<void>;
  /** An agent left; `skip`: agents not to invite first. */
  agentLeft(tx: Tx, emit: Emit, app: App, chat: ChatRow, agentsLeft: number, skip?: string[]): Promise<void>;
  roomChanged(tx: Tx, emit: Emit, app: App, chat: ChatRow, oldRoom: number): Promise<void>;
  /** A queued chat's priority changed: its room's queue is renumbered. */
  priorityChanged(tx: Tx, emit: Emit, app: App, chat: ChatRow): Promise<void>;
}

/** An agent's availability changed (login, logout, status, rooms, capacity). */
export interface AgentRouting {
  availabilityChanged(tx: Tx, app: App, rooms: Iterable<number>): Promise<void>;
}

export interface RoutingHooks {
  chats: ChatRouting;
  agents: AgentRouting;
}
