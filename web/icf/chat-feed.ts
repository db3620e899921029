import type { EventData, Message, Realtime, User } from '../src/lib/sdk.ts';
import type { IcfChat } from './chat.ts';
import { icfMessage } from './messages.ts';

/**
 * Translates the server's realtime events (docs/realtime.md) into the HyperChat events of each chat
 * (docs/icf.md, "Events"). One queue per chat keeps their order while a user is fetched or an own
 * message waits for its send to end.
 */
export class ChatFeed {
  readonly #chat: (id: string) => IcfChat | undefined;
  readonly #ids: () => string[];
  readonly #queues = new Map<string, Promise<void>>();

  /** `chat` finds a chat of the lobby by id, `ids` lists them. */
  constructor(realtime: Realtime, chat: (id: string) => IcfChat | undefined, ids: () => string[]) {
    this.#chat = chat;
    this.#ids = ids;
    realtime
      .on('messages:new', (data) => this.#in(data.message.chat, (c) => this.#message(c, data.message)))
      .on('chats:join', (data) => this.#in(data.chatId, (c) => this.#joined(c, data)))
      .on('chats:leave', (data) => this.#in(data.chatId, (c) => this.#left(c, data)))
      .on('users:activity', (data) => this.#in(data.chatId, async (c) => this.#activity(c, data)))
      .on('messages:read', (data) => this.#in(data.chatId, async (c) => this.#read(c, data)))
      .on('chats:close', (data) => this.#in(data.chatId, async (c) => this.#closed(c, data)))
      .on('forever:alone', (data) => this.#in(data.chatId, async (c) => void c.emit('forever:alone', data)))
      .on('chats:intervened', (data) => this.#in(data.chatId, (c) => this.#intervened(c, data)))
      .on('resync-required', () => this.#catchUp());
  }

  /** The resume was lost: every chat re-reads the messages the socket missed. */
  #catchUp(): void {
    for (const id of this.#ids()) {
      this.#in(id, async (chat) => {
        for (const message of await chat.missed()) await this.#message(chat, message);
      });
    }
  }

  #in(chatId: string, work: (chat: IcfChat) => Promise<void>): void {
    const chat = this.#chat(chatId);
    if (!chat) return;
    const next = (this.#queues.get(chatId) ?? Promise.resolve())
      .then(() => work(chat))
      .catch((error: unknown) => console.error('ICF: an event could not be handled', error));
    this.#queues.set(chatId, next);
  }

  async #message(chat: IcfChat, message: Message): Promise<void> {
    if (message.visibility === 'agents' || !(await chat.isNews(message))) return;
    if (chat.emit('message:received', { message: icfMessage(message) })) chat.delivered(message);
  }

  async #joined(chat: IcfChat, { userId }: EventData['chats:join']): Promise<void> {
    if (userId === chat.host.signed.me.id) return;
    const user = await chat.host.user(userId);
    if (!chat.users.some((u) => u.id === userId)) chat.users = [...chat.users, user];
    chat.emit('user:joined', { user });
  }

  async #left(chat: IcfChat, { userId }: EventData['chats:leave']): Promise<void> {
    if (userId === chat.host.signed.me.id) return;
    const user = chat.users.find((u) => u.id === userId) ?? (await chat.host.user(userId));
    chat.users = chat.users.filter((u) => u.id !== userId);
    chat.emit('user:left', { user });
  }

  #activity(chat: IcfChat, data: EventData['users:activity']): void {
    if (data.userId !== chat.host.signed.me.id) chat.emit('user:activity', data);
  }

  #read(chat: IcfChat, data: EventData['messages:read']): void {
    if (data.userId === chat.host.signed.me.id) return;
    const sender = chat.senderOf(data.messageId);
    chat.emit('message:read', { message: { id: data.messageId, sender } });
  }

  #closed(chat: IcfChat, data: EventData['chats:close']): void {
    chat.markClosed(undefined);
    chat.emit('chat:closed', data);
  }

  async #intervened(chat: IcfChat, data: EventData['chats:intervened']): Promise<void> {
    const users = (ids: string[]) => Promise.all(ids.map((id) => chat.host.user(id)));
    const [interventor] = await users([data.interventor]);
    const intervenedUsers = await users(data.intervenedUsers);
    if (!interventor) return;
    const gone = new Set(data.intervenedUsers);
    chat.users = [...chat.users.filter((u) => !gone.has(u.id) && u.id !== interventor.id), interventor];
    chat.emit('chat:intervened', { intervenedUsers, interventor } satisfies {
      intervenedUsers: User[];
      interventor: User;
    });
  }
}
