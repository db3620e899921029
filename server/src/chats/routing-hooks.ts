import type { App } from '../apps/apps.ts';
import type { Emit } from '../events/commit.ts';
import type { Tx } from '../store/database.ts';
import type { ChatRow } from '../store/schema.ts';

/**
 * What the chat commands tell routing, inside the transaction of the change. Routing sits above chats
 * (it invites agents into chats), so chats only know this interface; the composition root (server.ts)
 * plugs routing's implementation in (routing/hooks.ts `chatRouting`).
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

let plugged: ChatRouting | undefined;

export function plugChatRouting(routing: ChatRouting): void {
  plugged = routing;
}

export function chatRouting(): ChatRouting {
  if (!plugged) throw new Error('chat routing is not plugged in (see server.ts)');
  return plugged;
}
