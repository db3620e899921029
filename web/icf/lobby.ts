import {
  type Chat,
  type ChatBody,
  type Client,
  createClient,
  type Realtime,
  SwitchboardError,
  type User,
} from '../src/lib/sdk.ts';
import { IcfChat } from './chat.ts';
import { ChatFeed } from './chat-feed.ts';
import type { ChatHost, Listener, Signed } from './context.ts';
import type { SessionCookie } from './cookie.ts';
import { settle } from './errors.ts';
import { messagesAfter } from './messages.ts';

/** Where the server is and which app (set by `ICF.init`). */
export interface Where {
  baseUrl: string;
  appId: string;
  /** ext: the app's domain key, when the app requires it (`auth.requireDomainKey`). */
  domainKey?: string;
}

/** How long `Lobby.init` waits for the realtime session. */
const CONNECT_MS = 15_000;

/** The socket seen with any event name: `addEventListener` takes the server's names as they come. */
interface AnyEvents {
  on(name: string, fn: Listener): void;
  off(name: string, fn: Listener): void;
}

function untyped(realtime: Realtime): AnyEvents {
  return realtime as unknown as AnyEvents;
}

function connected(realtime: Realtime): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new SwitchboardError(0, 'The realtime connection did not open')),
      CONNECT_MS,
    );
    const done = () => {
      clearTimeout(timer);
      realtime.off('connected', up).off('disconnected', down);
    };
    const up = () => {
      done();
      resolve();
    };
    const fail = (error: SwitchboardError) => {
      done();
      reject(error);
    };
    const down = (data: { willReconnect: boolean; reason: string }) => {
      if (!data.willReconnect) fail(new SwitchboardError(401, data.reason || 'Invalid credentials'));
    };
    realtime.on('connected', up).on('disconnected', down);
  });
}

/**
 * `ICF.Lobby`: the end user's session (docs/icf.md). `init({id, token})` signs in with a session
 * `POST /users` gave, opens the realtime socket (the SDK resumes it after drops) and loads the user's
 * open chats into `chats`.
 */
export class Lobby implements ChatHost {
  /** The user's chats by id (the integration may replace it: `ICF.Lobby.chats = {}`). */
  chats: Record<string, IcfChat> = {};
  logged = false;
  #where: Where | undefined;
  #cookie: SessionCookie | undefined;
  #signed: Signed | undefined;
  /** The chats events go to (apart from `chats`, which integrations overwrite). */
  readonly #live = new Map<string, IcfChat>();
  readonly #users = new Map<string, Promise<User>>();
  readonly #listeners: Array<[string, Listener]> = [];

  /** Called by `ICF.init`. */
  configure(where: Where, cookie: SessionCookie): void {
    this.#where = where;
    this.#cookie = cookie;
  }

  get session(): Signed | undefined {
    return this.#signed;
  }

  get signed(): Signed {
    if (!this.#signed)
      throw new SwitchboardError(401, 'Not logged in: call ICF.Lobby.init({id, token}) first');
    return this.#signed;
  }

  /** A client with the app's public credentials (before `init`) or the user's token. */
  client(): Client {
    if (this.#signed) return this.#signed.client;
    const where = this.#needWhere();
    return createClient({
      baseUrl: where.baseUrl,
      appId: where.appId,
      ...(where.domainKey ? { domainKey: where.domainKey } : {}),
    });
  }

  /** A client with another session token (a transcript download after the chat closed). */
  clientWithToken(token: string): Client {
    const where = this.#needWhere();
    return createClient({ baseUrl: where.baseUrl, appId: where.appId, token });
  }

  init({ id, token }: { id: string; token: string }): Promise<{ user: User }> {
    return settle(async () => {
      const where = this.#needWhere();
      if (typeof id !== 'string' || typeof token !== 'string') {
        throw new SwitchboardError(400, 'Lobby.init needs {id, token}');
      }
      const saved = this.#cookie?.read(where.appId);
      this.close();
      const client = createClient({ baseUrl: where.baseUrl, appId: where.appId, token });
      const { user: me } = await client.users.get(id);
      const realtime = client.realtime();
      try {
        await connected(realtime);
      } catch (error) {
        realtime.close();
        throw error;
      }
      this.#signed = { client, realtime, me, token };
      this.#users.set(me.id, Promise.resolve(me));
      new ChatFeed(
        realtime,
        (chatId) => this.#live.get(chatId),
        () => [...this.#live.keys()],
      );
      for (const [name, fn] of this.#listeners) untyped(realtime).on(name, fn);
      // The open ones only (a long past of closed chats must not push them off the first page).
      const open = await Promise.all(
        (['active', 'waiting'] as const).map((status) => client.chats.list({ userId: me.id, status })),
      );
      for (const chat of open.flatMap((page) => page.chats)) {
        await this.adopt(chat, saved?.u === me.id && saved.c === chat.id ? (saved.r ?? 0) : 0);
      }
      this.logged = true;
      return { user: me };
    });
  }

  /** The user's open chats, by id. */
  getUserChats(): Record<string, IcfChat> {
    const open: Record<string, IcfChat> = {};
    for (const [id, chat] of this.#live) if (!chat.closed) open[id] = chat;
    return open;
  }

  /** Any realtime event by its server name (`system:info`, `queues:update`, …), with its data as sent. */
  addEventListener(name: string, fn: Listener): void {
    this.#listeners.push([name, fn]);
    if (this.#signed) untyped(this.#signed.realtime).on(name, fn);
  }

  /** ext */
  removeEventListener(name: string, fn: Listener): void {
    const at = this.#listeners.findIndex(([n, f]) => n === name && f === fn);
    if (at >= 0) this.#listeners.splice(at, 1);
    if (this.#signed) untyped(this.#signed.realtime).off(name, fn);
  }

  /** Signs out of this page: the socket closes, the chats are dropped, the cookie is cleared. */
  close(): void {
    this.#signed?.realtime.close();
    this.#signed = undefined;
    this.logged = false;
    this.#live.clear();
    this.#users.clear();
    this.chats = {};
    this.#cookie?.clear();
  }

  /** `ICF.Chat.init(options)`: the chat `options.id`, or a new one (`POST /chats`) with the options. */
  openChat(options: Record<string, unknown> = {}): Promise<IcfChat> {
    return settle(async () => {
      const { client } = this.signed;
      if (typeof options.id === 'string') {
        const known = this.#live.get(options.id);
        if (known) return known;
        const saved = this.#cookie?.read(this.#needWhere().appId);
        const { chat } = await client.chats.get(options.id);
        return this.adopt(chat, saved?.c === options.id ? (saved.r ?? 0) : 0);
      }
      const { id: _id, ...body } = options;
      // The server checks the body (room, lang, source, history, …) and ignores unknown fields.
      const { chat } = await client.chats.create(body as ChatBody);
      return this.adopt(chat, 0);
    });
  }

  /** A chat of the user becomes an ICF chat: its participants and messages are loaded. */
  async adopt(chat: Chat, readSeq: number): Promise<IcfChat> {
    const { client } = this.signed;
    const [users, history] = await Promise.all([
      Promise.all(chat.users.map((user) => (typeof user === 'string' ? this.user(user) : user))),
      messagesAfter(client, chat.id, 0),
    ]);
    const icf = new IcfChat(this, chat, users, history, readSeq);
    this.#live.set(chat.id, icf);
    this.chats[chat.id] = icf;
    if (!icf.closed) this.remember(chat.id, readSeq);
    return icf;
  }

  // ------------------------------------------------------------ ChatHost

  user(id: string): Promise<User> {
    let user = this.#users.get(id);
    if (!user) {
      user = this.signed.client.users.get(id).then((answer) => answer.user);
      user.catch(() => this.#users.delete(id));
      this.#users.set(id, user);
    }
    return user;
  }

  remember(chatId: string, seq: number): void {
    const signed = this.#signed;
    if (!signed || !this.#where) return;
    this.#cookie?.write({ a: this.#where.appId, u: signed.me.id, t: signed.token, c: chatId, r: seq });
  }

  forget(chatId: string): void {
    const saved = this.#where ? this.#cookie?.read(this.#where.appId) : undefined;
    if (!saved || saved.c === chatId) this.#cookie?.clear();
  }

  #needWhere(): Where {
    if (!this.#where) throw new SwitchboardError(0, 'ICF.init({appId}) has not been called');
    return this.#where;
  }
}
