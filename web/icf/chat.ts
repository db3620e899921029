import type { Chat, Message, ResponseOf, User } from '../src/lib/sdk.ts';
import type { ChatHost, Listener } from './context.ts';
import { settle } from './errors.ts';
import { type IcfMessage, icfMessage, messagesAfter } from './messages.ts';

/** The events a chat object emits (docs/icf.md, "Events"). */
export const CHAT_EVENTS = [
  'user:joined',
  'user:left',
  'user:activity',
  'message:received',
  'message:read',
  'chat:closed',
  'chat:intervened',
  'forever:alone',
] as const;

/** `POST /media`'s answer: `{media, message}`. */
export type MediaAnswer = ResponseOf<'/v1/media', 'post'>;

function eventId(): string {
  return globalThis.crypto?.randomUUID
    ? globalThis.crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * `ICF.Chat.init(…)`'s answer: one chat of the signed-in end user, its participants as User objects,
 * the HyperChat calls on it and the HyperChat events translated from the server's (chat-feed.ts).
 */
export class IcfChat {
  readonly id: string;
  readonly creator: string;
  readonly room: number;
  readonly lang: string;
  readonly source: number;
  readonly created: number;
  status: Chat['status'];
  /** The close time (Unix seconds) once closed, else `false`: `if (!chat.closed)` reads as HyperChat's. */
  closed: number | false;
  /** The participants (end user and agents) as User objects. */
  users: User[];
  readonly #host: ChatHost;
  readonly #handlers = new Map<string, Set<Listener>>();
  /** Who sent each message seen (for `message:read`'s `sender`). */
  readonly #senders = new Map<string, string>();
  /** Ids of the messages this object sent (not echoed back as `message:received`). */
  readonly #sentIds = new Set<string>();
  readonly #sending = new Set<Promise<unknown>>();
  /** The messages loaded with the chat, for `readAnyUnreadMessageFromHistory`. */
  #history: Message[];
  /** The highest `seq` seen (events and history), where a catch-up starts. */
  #seenSeq: number;
  /** The highest `seq` handed to the integration (kept in the cookie across reloads). */
  #readSeq: number;

  constructor(host: ChatHost, chat: Chat, users: User[], history: Message[], readSeq: number) {
    this.#host = host;
    this.id = chat.id;
    this.creator = chat.creator;
    this.room = chat.room;
    this.lang = chat.lang;
    this.source = chat.source;
    this.created = chat.created;
    this.status = chat.status;
    this.closed = chat.status === 'closed' ? (chat.closed ?? Math.floor(Date.now() / 1000)) : false;
    this.users = users;
    this.#history = history;
    for (const message of history) this.#senders.set(message.id, message.sender);
    this.#seenSeq = history.at(-1)?.seq ?? 0;
    this.#readSeq = readSeq;
  }

  /** Subscribes to one of CHAT_EVENTS; chainable. */
  on(name: string, fn: Listener): this {
    const set = this.#handlers.get(name) ?? new Set();
    set.add(fn);
    this.#handlers.set(name, set);
    return this;
  }

  /** ext: removes a handler; chainable. */
  off(name: string, fn: Listener): this {
    this.#handlers.get(name)?.delete(fn);
    return this;
  }

  /**
   * Starts the routing loop (`POST /chats/{id}/assign`; nothing changes while one runs) when an agent
   * of the chat's room has a free slot. Resolves `{agent}`: the agent's User when one is in the chat
   * already, `true` when the loop is inviting one (the agent arrives with `user:joined`), `false` when
   * none is available (the integration then closes or turns to a ticket).
   */
  searchAgent(): Promise<{ agent: User | boolean }> {
    return settle(async () => {
      const present = this.users.find((user) => user.role !== 'user');
      if (present) return { agent: present };
      const { client } = this.#host.signed;
      const { agents } = await client.agents.available({ roomIds: String(this.room), langs: this.lang });
      if (!((agents[String(this.room)] ?? 0) > 0)) return { agent: false };
      await client.chats.assign(this.id);
      return { agent: true };
    });
  }

  /**
   * Sends a text message. `onCreated(eventId, text, sender)` runs at once with the id this send will
   * keep (`eventId`, also the request's `clientId`: a re-send after a dropped socket posts it once);
   * resolves `{message, eventId}` when the server stored it.
   */
  sendMessage(
    text: string,
    onCreated?: (eventId: string, text: string, sender: string) => void,
  ): Promise<{ message: Message; eventId: string }> {
    const id = eventId();
    const { realtime, me } = this.#host.signed;
    onCreated?.(id, text, me.id);
    const sent = settle(async () => {
      const { message } = await realtime.request('messages:new', {
        chatId: this.id,
        message: text,
        clientId: id,
      });
      this.#sentIds.add(message.id);
      this.#senders.set(message.id, message.sender);
      return { message, eventId: id };
    });
    this.#track(sent);
    return sent;
  }

  /**
   * Uploads a file as a media message (`POST /media`). `onProgress(percent)` is told 0 before and 100
   * after (fetch reports no upload progress). Resolves `{media, message}`.
   */
  sendMedia(file: File | Blob, onProgress?: (percent: number) => void): Promise<MediaAnswer> {
    const sent = this.#upload(file, onProgress);
    this.#track(sent);
    return sent;
  }

  #upload(file: File | Blob, onProgress?: (percent: number) => void): Promise<MediaAnswer> {
    return settle(async () => {
      onProgress?.(0);
      const name = file instanceof File ? file.name : 'file';
      const answer = await this.#host.signed.client.media.upload({ chatId: this.id, file, name });
      this.#sentIds.add(answer.message.id);
      this.#senders.set(answer.message.id, answer.message.sender);
      onProgress?.(100);
      return answer;
    });
  }

  /** Closes the chat (`chats:close`); `chat:closed` follows. Resolves `{chat}`. */
  close(): Promise<{ chat: Chat }> {
    return settle(async () => {
      const answer = await this.#host.signed.realtime.request('chats:close', { chatId: this.id });
      this.markClosed(answer.chat.closed);
      return answer;
    });
  }

  /**
   * The messages of others loaded with the chat that were never handed to the integration (sent while
   * the page was away), keyed by id, each `{id, sender, type, message}`; they are marked read.
   */
  readAnyUnreadMessageFromHistory(): Record<string, IcfMessage> {
    const me = this.#host.signed.me.id;
    const unread: Record<string, IcfMessage> = {};
    for (const message of this.#history) {
      if (message.seq <= this.#readSeq || message.sender === me) continue;
      unread[message.id] = icfMessage(message);
      this.#markRead(message);
    }
    this.#history = [];
    return unread;
  }

  /** ext: tells the agents the user is writing or stopped (`users:activity`). */
  activity(type: 'writing' | 'not-writing'): Promise<unknown> {
    return settle(() => this.#host.signed.realtime.request('users:activity', { chatId: this.id, type }));
  }

  // ------------------------------------------------------------ used by the lobby (chat-feed.ts)

  /** Calls the handlers of `name`; true when there was one. */
  emit(name: string, data: unknown): boolean {
    const set = this.#handlers.get(name);
    if (!set?.size) return false;
    for (const fn of [...set]) {
      try {
        (fn as (data: unknown) => void)(data);
      } catch (error) {
        console.error(`ICF: a handler of ${name} threw`, error);
      }
    }
    return true;
  }

  get host(): ChatHost {
    return this.#host;
  }

  senderOf(messageId: string): string | undefined {
    return this.#senders.get(messageId);
  }

  /** A new message from the server: true when it must reach `message:received`. */
  async isNews(message: Message): Promise<boolean> {
    if (message.seq <= this.#seenSeq) return false;
    this.#seenSeq = message.seq;
    this.#senders.set(message.id, message.sender);
    if (message.sender !== this.#host.signed.me.id) return true;
    // Our own message: wait for this object's sends in flight, whose ids are known once they end.
    await Promise.allSettled([...this.#sending]);
    return !this.#sentIds.has(message.id);
  }

  /** A message went to the integration: read it (the agent sees it read), and remember it. */
  delivered(message: Message): void {
    if (message.sender !== this.#host.signed.me.id) this.#markRead(message);
  }

  markClosed(at: number | undefined): boolean {
    if (this.closed) return false;
    this.status = 'closed';
    this.closed = at ?? Math.floor(Date.now() / 1000);
    this.#host.forget(this.id);
    return true;
  }

  /** After a lost resume: the messages the socket missed, oldest first. */
  missed(): Promise<Message[]> {
    return messagesAfter(this.#host.signed.client, this.id, this.#seenSeq);
  }

  #markRead(message: Message): void {
    if (message.seq > this.#readSeq) {
      this.#readSeq = message.seq;
      if (!this.closed) this.#host.remember(this.id, this.#readSeq);
    }
    this.#host.signed.realtime.request('messages:read', { messageId: message.id }).catch(() => {});
  }

  #track(sending: Promise<unknown>): void {
    this.#sending.add(sending);
    const done = () => this.#sending.delete(sending);
    sending.then(done, done);
  }
}
