import type { Client, Message, Realtime } from '../../src/lib/sdk.ts';
import type { WidgetEvent } from '../shared.ts';
import type { ViewState } from './state.ts';
import { offerSurvey } from './survey.ts';

/**
 * What the event handlers need of the visitor's chat. `VisitorChat` provides it; naming it here keeps
 * this file from importing chat.ts (which imports this one).
 */
export interface EventHost {
  readonly state: ViewState;
  patch(patch: Partial<ViewState>): void;
  addMessage(message: Message, replacing?: string, quiet?: boolean): void;
  allMessages(): Promise<Message[]>;
  /** Keeps the realtime cursor, so a reload replays from here. */
  saveCursor(cursor: string | undefined): void;
  emit(event: WidgetEvent, data?: unknown): void;
  need(): Client;
}

/** The realtime events a visitor hears (docs/webhooks.md), and what each does to the view. */
export class ChatEvents {
  readonly #chat: EventHost;
  #typingClear: ReturnType<typeof setTimeout> | undefined;

  constructor(chat: EventHost) {
    this.#chat = chat;
  }

  bind(realtime: Realtime): void {
    const chat = this.#chat;
    realtime.on('messages:new', (data, meta) => {
      if (this.#ours(data.message.chat, meta.cursor)) chat.addMessage(data.message);
    });
    realtime.on('messages:read', (data, meta) => {
      if (this.#ours(data.chatId, meta.cursor) && data.userId !== chat.state.me)
        chat.patch({ read: { ...chat.state.read, [data.messageId]: true } });
    });
    realtime.on('users:activity', (data, meta) => {
      if (!this.#ours(data.chatId, meta.cursor) || data.userId === chat.state.me) return;
      if (data.type === 'writing') this.#typingFrom(data.userId);
      else if (data.type === 'not-writing' && chat.state.typing === data.userId) this.#typingFrom(undefined);
    });
    realtime.on('queues:update', (data, meta) => {
      if (!this.#ours(data.chatId, meta.cursor)) return;
      const position = data.data.queuePosition;
      chat.patch({ queuePosition: position, inQueue: position !== null });
    });
    realtime.on('chats:join', (data, meta) => {
      if (this.#ours(data.chatId, meta.cursor)) void this.#agentJoined(data.userId).catch(() => undefined);
    });
    realtime.on('chats:leave', (data, meta) => {
      if (!this.#ours(data.chatId, meta.cursor) || data.userId === chat.state.me) return;
      const { [data.userId]: _gone, ...agents } = chat.state.agents;
      // The last agent gone (a transfer to the queue): the chat waits again.
      const phase =
        Object.keys(agents).length === 0 && chat.state.phase === 'active' ? 'waiting' : chat.state.phase;
      chat.patch({
        agents,
        phase,
        typing: chat.state.typing === data.userId ? undefined : chat.state.typing,
      });
    });
    realtime.on('chats:close', (data, meta) => {
      if (!this.#ours(data.chatId, meta.cursor)) return;
      if (chat.state.phase === 'closed' || chat.state.phase === 'left') return;
      chat.patch({ phase: 'closed', alone: false, typing: undefined, agents: {} });
      chat.emit('chat:ended', { chatId: data.chatId });
    });
    // The survey asked after the close (addressed to this visitor alone): once per chat.
    realtime.on('system:info', (data, meta) => {
      const info = data.data;
      if (info.type !== 'survey' || !info.surveyId) return;
      if (this.#ours(info.chatId ?? data.chatId ?? '', meta.cursor) && !chat.state.survey)
        void offerSurvey(chat, info.surveyId, chat.state.chatId!).catch(() => undefined);
    });
    realtime.on('forever:alone', (data, meta) => {
      if (this.#ours(data.chatId, meta.cursor))
        chat.patch({ alone: true, inQueue: false, queuePosition: null });
    });
    realtime.on('connected', () => chat.patch({ offline: false }));
    realtime.on('disconnected', () => chat.patch({ offline: true }));
    // Too long away to replay: the store has the truth, read it again.
    realtime.on('resync-required', () => {
      if (chat.state.chatId)
        void chat.allMessages().then((all) => {
          for (const message of all) chat.addMessage(message, undefined, true);
        });
    });
  }

  /** Every event moves the cursor; only those of the chat on screen change the view. */
  #ours(chatId: string, cursor: string | undefined): boolean {
    this.#chat.saveCursor(cursor);
    return chatId === this.#chat.state.chatId;
  }

  async #agentJoined(userId: string): Promise<void> {
    const chat = this.#chat;
    if (userId === chat.state.me) return;
    const phase = chat.state.phase === 'waiting' ? 'active' : chat.state.phase;
    chat.patch({ phase, alone: false, inQueue: false });
    let name = chat.state.names[userId];
    if (!name) {
      const { user } = await chat.need().users.get(userId);
      name = user.nickname || user.name || 'Agent';
    }
    chat.patch({
      agents: { ...chat.state.agents, [userId]: name },
      names: { ...chat.state.names, [userId]: name },
    });
  }

  #typingFrom(userId: string | undefined): void {
    clearTimeout(this.#typingClear);
    this.#chat.patch({ typing: userId });
    // The server turns a stale `writing` into `not-writing` after 10 s; this is only a safety net.
    if (userId) this.#typingClear = setTimeout(() => this.#chat.patch({ typing: undefined }), 12_000);
  }
}
