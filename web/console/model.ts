import { bytes } from '../src/lib/format.ts';
import {
  type Client,
  createClient,
  type Realtime,
  type RealtimeRequestName,
  type RealtimeRequests,
  SwitchboardError,
} from '../src/lib/sdk.ts';
import { Store } from '../src/lib/store.ts';
import type { AgentStatus, Chat, Invitation, Message, Settings, User } from '../src/lib/types.ts';
import { Alerts } from './alerts.ts';
import { loadChatDetail, loadQueue } from './loaders.ts';

/** What the console remembers of a signed-in agent (sessionStorage: a reload keeps the tab signed in). */
export interface SavedSession {
  baseUrl: string;
  appId: string;
  token: string;
  agent: User;
}

export interface PendingInvitation {
  id: string;
  chatId: string;
  expires: number;
  /** When the countdown started (the invitation's `created`, or when it reached this tab). */
  started: number;
  visitorName: string;
  transfer: boolean;
}

export interface ChatView {
  chat: Chat;
  visitor: User | undefined;
  messages: Message[];
  unread: number;
  /** The visitor is typing. */
  typing: boolean;
  /** The visitor's connection dropped (reconnect grace running). */
  away: boolean;
  /** Highest `seq` of my messages the visitor has read. */
  readSeq: number;
  closed: boolean;
  loaded: boolean;
}

export interface ConsoleState {
  agent: User;
  status: AgentStatus;
  connected: boolean;
  /** Set at the first connection, or when it takes too long: the banner waits for one of them. */
  everConnected: boolean;
  settings: Settings | undefined;
  invitations: PendingInvitation[];
  chats: Record<string, ChatView>;
  order: string[];
  selected: string | undefined;
  queue: Chat[];
  /** Names of the visitors waiting in the queue and of the app's agents, by id. */
  names: Record<string, string>;
  /** A failed action, shown until the next one. */
  error: string | undefined;
}

const now = () => Math.floor(Date.now() / 1000);

/** The agent console's state and every action it takes, over the SDK's REST and realtime clients. */
export class ConsoleModel {
  readonly store: Store<ConsoleState>;
  readonly client: Client;
  readonly session: SavedSession;
  readonly alerts = new Alerts();
  #realtime: Realtime | undefined;
  #onExpired: (message: string) => void;
  #queueTimer: ReturnType<typeof setTimeout> | undefined;
  #expiryTimer: ReturnType<typeof setInterval> | undefined;
  #firstConnect: ReturnType<typeof setTimeout> | undefined;

  constructor(session: SavedSession, onExpired: (message: string) => void) {
    this.session = session;
    this.#onExpired = onExpired;
    this.client = createClient({ baseUrl: session.baseUrl, appId: session.appId, token: session.token });
    this.store = new Store<ConsoleState>({
      agent: session.agent,
      status: session.agent.status ?? 'online',
      connected: false,
      everConnected: false,
      settings: undefined,
      invitations: [],
      chats: {},
      order: [],
      selected: undefined,
      queue: [],
      names: {},
      error: undefined,
    });
  }

  get me(): string {
    return this.session.agent.id;
  }

  /** Connects the realtime stream, then loads what happened before (events arriving meanwhile merge in). */
  async start(): Promise<void> {
    const realtime = this.client.realtime();
    this.#realtime = realtime;
    realtime.on('connected', () => {
      clearTimeout(this.#firstConnect);
      this.store.update({ connected: true, everConnected: true });
    });
    realtime.on('disconnected', (data: { code?: number }) => {
      this.store.update({ connected: false });
      if (data?.code === 4001) this.#expire();
    });
    realtime.on(
      'invitations:new',
      (data: { chatId: string; userId: string; invitationId: string; expires: number }) =>
        this.#invited(data),
    );
    realtime.on('invitations:accept', (data: { chatId: string; userId: string }) => {
      if (data.userId === this.me) this.#dropInvitation(data.chatId);
    });
    realtime.on('chats:join', (data: { chatId: string; userId: string }) => this.#joined(data));
    realtime.on('chats:leave', (data: { chatId: string; userId: string }) => this.#left(data));
    realtime.on('chats:close', (data: { chatId: string }) => this.#closed(data.chatId));
    realtime.on('messages:new', (data: { message: Message }) => this.#message(data.message));
    realtime.on('messages:read', (data: { messageId: string; chatId: string; userId: string }) =>
      this.#read(data),
    );
    realtime.on('users:activity', (data: { chatId: string; userId: string; type: string }) =>
      this.#activity(data),
    );
    for (const name of ['chats:create', 'queues:update', 'forever:alone'] as const) {
      realtime.on(name, () => this.refreshQueue());
    }
    this.#expiryTimer = setInterval(() => this.#dropExpired(), 1000);
    // A first connection that does not come within 3 s is a lost connection too.
    this.#firstConnect = setTimeout(() => this.store.update({ everConnected: true }), 3000);
    try {
      await this.#loadInitial();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Offline in every room, then forget the tab's session (the token simply expires). */
  async signOut(): Promise<void> {
    try {
      await this.client.request('POST', '/agents/logout', { body: {} });
    } catch {
      // Signing out of a tab must always work, even with the server gone.
    }
    this.stop();
  }

  stop(): void {
    this.#realtime?.close();
    this.alerts.stop();
    clearInterval(this.#expiryTimer);
    clearTimeout(this.#queueTimer);
    clearTimeout(this.#firstConnect);
  }

  async #loadInitial(): Promise<void> {
    const [settings, invitations, chats] = await Promise.all([
      this.client.request<{ settings: Settings }>('GET', '/settings'),
      this.client.request<{ invitations: Invitation[] }>('GET', '/invitations', {
        query: { userId: this.me, status: 'pending' },
      }),
      this.client.request<{ chats: Chat[] }>('GET', '/chats', {
        query: { userId: this.me, status: 'active' },
      }),
    ]);
    this.store.update({ settings: settings.settings });
    void this.#loadAgentNames();
    for (const invitation of invitations.invitations) {
      if (invitation.expires > now()) await this.#addInvitation(invitation);
    }
    for (const chat of chats.chats) await this.#openChat(chat.id);
    await this.refreshQueue(true);
  }

  /** Colleagues' names, for their messages in chats transferred to me. */
  async #loadAgentNames(): Promise<void> {
    try {
      const { agents } = await this.client.request<{ agents: User[] }>('GET', '/agents');
      const names: Record<string, string> = {};
      for (const agent of agents) names[agent.id] = agent.nickname || agent.name;
      this.store.update((s) => ({ names: { ...s.names, ...names } }));
    } catch {
      // Messages then say "Agent" instead of a name.
    }
  }

  // ——— invitations ———

  async #invited(data: { chatId: string; userId: string; invitationId: string; expires: number }) {
    if (data.userId !== this.me) return;
    // The event is skinny; the invitation itself says whether it is a transfer and when it started.
    let invitation: Invitation = {
      id: data.invitationId,
      chatId: data.chatId,
      userId: data.userId,
      status: 'pending',
      transfer: false,
      created: now(),
      expires: data.expires,
    };
    try {
      const { invitations } = await this.client.request<{ invitations: Invitation[] }>(
        'GET',
        '/invitations',
        {
          query: { userId: this.me, status: 'pending' },
        },
      );
      invitation = invitations.find((i) => i.id === data.invitationId) ?? invitation;
    } catch {
      // Shown with what the event said.
    }
    await this.#addInvitation(invitation);
  }

  async #addInvitation(invitation: Invitation): Promise<void> {
    if (this.store.state.invitations.some((i) => i.id === invitation.id)) return;
    const pending: PendingInvitation = {
      id: invitation.id,
      chatId: invitation.chatId,
      expires: invitation.expires,
      started: Math.min(invitation.created, now()),
      visitorName: 'Visitor',
      transfer: invitation.transfer,
    };
    this.store.update((s) => ({ invitations: [...s.invitations, pending] }));
    this.#alert();
    try {
      const { visitor } = await loadChatDetail(this.client, invitation.chatId);
      if (visitor) this.#patchInvitation(invitation.id, { visitorName: visitor.name || 'Visitor' });
    } catch {
      // The name is a nicety; the invitation works without it.
    }
  }

  #patchInvitation(id: string, patch: Partial<PendingInvitation>): void {
    this.store.update((s) => ({
      invitations: s.invitations.map((i) => (i.id === id ? { ...i, ...patch } : i)),
    }));
  }

  #dropInvitation(chatId: string): void {
    this.store.update((s) => ({ invitations: s.invitations.filter((i) => i.chatId !== chatId) }));
    this.#alert();
  }

  #dropExpired(): void {
    const t = Date.now() / 1000;
    if (this.store.state.invitations.some((i) => i.expires <= t)) {
      this.store.update((s) => ({ invitations: s.invitations.filter((i) => i.expires > t) }));
    }
    this.#alert();
  }

  /** Sound and title badge follow the pending invitations and unread messages. */
  #alert(): void {
    const s = this.store.state;
    const unread = Object.values(s.chats).reduce((sum, c) => sum + c.unread, 0);
    this.alerts.show(s.invitations.length, unread);
  }

  async accept(chatId: string): Promise<void> {
    await this.#act(
      async () => {
        await this.#requestRealtime('invitations:accept', { chatId, userId: this.me });
        this.#dropInvitation(chatId);
        await this.#openChat(chatId, true);
      },
      () => this.#dropInvitation(chatId),
    );
  }

  async reject(chatId: string): Promise<void> {
    await this.#act(
      async () => {
        await this.#requestRealtime('invitations:reject', { chatId, userId: this.me });
        this.#dropInvitation(chatId);
      },
      () => this.#dropInvitation(chatId),
    );
  }

  // ——— chats ———

  async #openChat(chatId: string, select = false): Promise<void> {
    const existing = this.store.state.chats[chatId];
    if (!existing) {
      const detail = await loadChatDetail(this.client, chatId, true);
      const view: ChatView = {
        chat: detail.chat,
        visitor: detail.visitor,
        messages: detail.messages,
        unread: 0,
        typing: false,
        away: false,
        readSeq: 0,
        closed: detail.chat.status === 'closed',
        loaded: true,
      };
      this.store.update((s) => {
        // Events that arrived while loading merge in (deduplicated by id, kept in seq order).
        const raced = s.chats[chatId];
        if (raced) view.messages = mergeMessages(view.messages, raced.messages);
        return {
          chats: { ...s.chats, [chatId]: view },
          order: s.order.includes(chatId) ? s.order : [...s.order, chatId],
        };
      });
    }
    if (select || this.store.state.selected === undefined) this.select(chatId);
  }

  select(chatId: string): void {
    this.store.update((s) => {
      const view = s.chats[chatId];
      return {
        selected: chatId,
        chats: view ? { ...s.chats, [chatId]: { ...view, unread: 0 } } : s.chats,
        error: undefined,
      };
    });
    this.#alert();
    void this.markRead(chatId);
  }

  /** Tells the visitor their messages were seen: every unread one of theirs in the open chat. */
  async markRead(chatId: string): Promise<void> {
    const view = this.store.state.chats[chatId];
    if (!view || view.closed || document.hidden) return;
    const theirs = view.messages.filter((m) => m.sender !== this.me && m.sender !== 'system');
    const last = theirs.at(-1);
    if (!last || readByMe.has(last.id)) return;
    readByMe.add(last.id);
    try {
      await this.#requestRealtime('messages:read', { messageId: last.id });
    } catch {
      readByMe.delete(last.id);
    }
  }

  #patchChat(chatId: string, patch: (view: ChatView) => Partial<ChatView>): void {
    this.store.update((s) => {
      const view = s.chats[chatId];
      if (!view) return {};
      return { chats: { ...s.chats, [chatId]: { ...view, ...patch(view) } } };
    });
  }

  async #joined(data: { chatId: string; userId: string }): Promise<void> {
    if (data.userId === this.me) {
      this.#dropInvitation(data.chatId);
      await this.#openChat(data.chatId).catch((error) => this.#fail(error));
    }
    this.refreshQueue();
  }

  #left(data: { chatId: string; userId: string }): void {
    if (data.userId === this.me) this.#forget(data.chatId);
    this.refreshQueue();
  }

  #closed(chatId: string): void {
    this.#dropInvitation(chatId);
    this.#patchChat(chatId, () => ({ closed: true, typing: false }));
    this.refreshQueue();
  }

  #forget(chatId: string): void {
    this.store.update((s) => {
      const { [chatId]: _gone, ...chats } = s.chats;
      const order = s.order.filter((id) => id !== chatId);
      return { chats, order, selected: s.selected === chatId ? order[0] : s.selected };
    });
    this.#alert();
  }

  /** Removes a closed chat from the list. */
  dismiss(chatId: string): void {
    this.#forget(chatId);
  }

  #message(message: Message): void {
    const view = this.store.state.chats[message.chat];
    if (!view) return;
    const visible = this.store.state.selected === message.chat && !document.hidden;
    const mine = message.sender === this.me;
    this.#patchChat(message.chat, (v) => ({
      messages: mergeMessages(v.messages, [message]),
      unread: mine || visible || v.messages.some((m) => m.id === message.id) ? v.unread : v.unread + 1,
      typing: mine ? v.typing : false,
    }));
    this.#alert();
    if (visible && !mine) void this.markRead(message.chat);
  }

  #read(data: { messageId: string; chatId: string; userId: string }): void {
    if (data.userId === this.me) return;
    this.#patchChat(data.chatId, (v) => {
      const seq = v.messages.find((m) => m.id === data.messageId)?.seq ?? 0;
      return { readSeq: Math.max(v.readSeq, seq) };
    });
  }

  #activity(data: { chatId: string; userId: string; type: string }): void {
    if (data.userId === this.me) return;
    if (data.type === 'writing' || data.type === 'not-writing') {
      this.#patchChat(data.chatId, () => ({ typing: data.type === 'writing' }));
    } else if (data.type === 'disconnected' || data.type === 'reconnected') {
      this.#patchChat(data.chatId, () => ({ away: data.type === 'disconnected', typing: false }));
    }
  }

  async send(chatId: string, text: string): Promise<boolean> {
    const clientId = `c-${crypto.randomUUID()}`;
    return this.#act(async () => {
      const result = await this.#requestRealtime('messages:new', {
        chatId,
        message: text,
        clientId,
      });
      if (result?.message) this.#message(result.message);
    });
  }

  /** Typing indicator for the visitor; the server turns a stale `writing` off by itself after 10 s. */
  typing(chatId: string, writing: boolean): void {
    void this.#requestRealtime('users:activity', { chatId, type: writing ? 'writing' : 'not-writing' }).catch(
      () => {},
    );
  }

  /** Uploads an attachment; resolves to why it was refused (or undefined when sent). */
  async upload(
    chatId: string,
    file: File,
    media: Settings['media'] | undefined,
  ): Promise<string | undefined> {
    const form = new FormData();
    form.set('chatId', chatId);
    form.set('senderId', this.me);
    form.set('media', file, file.name);
    try {
      const result = await this.client.request<{ message: Message }>('POST', '/media', { body: form });
      this.#message(result.message);
      return undefined;
    } catch (error) {
      if (error instanceof SwitchboardError && error.status === 413) {
        return `“${file.name}” is too large${media ? `: the limit is ${bytes(media.maxBytes)}` : ''}.`;
      }
      if (error instanceof SwitchboardError && error.status === 403) {
        const allowed = media ? `: allowed types are ${media.allowedTypes.join(', ')}` : '';
        return `“${file.name}” cannot be sent${allowed}.`;
      }
      if (error instanceof SwitchboardError && error.status === 401) this.#expire();
      return describe(error);
    }
  }

  mediaUrl(path: string): string {
    const url = new URL(`${this.session.baseUrl}/v1${path}`);
    url.searchParams.set('appId', this.session.appId);
    url.searchParams.set('token', this.session.token);
    return url.toString();
  }

  async close(chatId: string): Promise<void> {
    await this.#act(async () => {
      await this.#requestRealtime('chats:close', { chatId });
      this.#closed(chatId);
    });
  }

  async transferTo(chatId: string, agentId: string): Promise<boolean> {
    return this.#act(async () => {
      await this.client.request('POST', '/invitations', {
        body: { chatId, userId: agentId, transfer: true },
      });
    });
  }

  async backToQueue(chatId: string): Promise<boolean> {
    return this.#act(async () => {
      await this.client.request('POST', `/chats/${chatId}/toinbox`);
      this.#forget(chatId);
    });
  }

  /** Agents a chat can be handed to: online, a free slot, serving the chat's room, not me. */
  async transferTargets(chatId: string): Promise<User[]> {
    const room = this.store.state.chats[chatId]?.chat.room;
    const { agents } = await this.client.request<{ agents: User[] }>('GET', '/agents');
    return agents.filter(
      (a) =>
        a.id !== this.me &&
        a.status === 'online' &&
        (room === undefined || (a.rooms ?? []).includes(room)) &&
        (a.maxChats ?? 0) > (a.chats?.length ?? 0),
    );
  }

  async setStatus(status: AgentStatus): Promise<void> {
    const previous = this.store.state.status;
    this.store.update({ status });
    const ok = await this.#act(() => this.#requestRealtime('agents:status', { status }));
    if (!ok) this.store.update({ status: previous });
  }

  /** The queue of the agent's rooms, re-read at most every 300 ms however many events ask for it. */
  refreshQueue(now = false): Promise<void> {
    clearTimeout(this.#queueTimer);
    return new Promise((resolve) => {
      this.#queueTimer = setTimeout(
        async () => {
          try {
            const queue = await loadQueue(this.client);
            this.store.update({ queue });
            await this.#nameQueue(queue);
          } catch (error) {
            if (error instanceof SwitchboardError && error.status === 401) this.#expire();
          }
          resolve();
        },
        now ? 0 : 300,
      );
    });
  }

  /** The visitors' names of the first queued chats (each chat is looked up once). */
  async #nameQueue(queue: Chat[]): Promise<void> {
    const unknown = queue.slice(0, 20).filter((c) => this.store.state.names[c.id] === undefined);
    const found = await Promise.all(
      unknown.map(async (chat) => {
        try {
          const { visitor } = await loadChatDetail(this.client, chat.id);
          return [chat.id, visitor?.name || 'Visitor'] as const;
        } catch {
          return [chat.id, 'Visitor'] as const;
        }
      }),
    );
    if (found.length > 0) this.store.update((s) => ({ names: { ...s.names, ...Object.fromEntries(found) } }));
  }

  clearError(): void {
    this.store.update({ error: undefined });
  }

  async #requestRealtime<K extends RealtimeRequestName>(
    name: K,
    data: RealtimeRequests[K]['data'],
  ): Promise<RealtimeRequests[K]['result']> {
    if (!this.#realtime) throw new Error('Not connected');
    // A request made while disconnected waits for the connection (the SDK queues it); say so instead
    // of leaving the agent in doubt when it takes long.
    return withTimeout(this.#realtime.request(name, data), 10_000);
  }

  async #act(action: () => Promise<unknown>, onGone?: () => void): Promise<boolean> {
    this.store.update({ error: undefined });
    try {
      await action();
      return true;
    } catch (error) {
      if (error instanceof SwitchboardError && (error.status === 404 || error.status === 409)) onGone?.();
      this.#fail(error);
      return false;
    }
  }

  #fail(error: unknown): void {
    if (error instanceof SwitchboardError && error.status === 401) this.#expire();
    else this.store.update({ error: describe(error) });
  }

  #expire(): void {
    this.stop();
    this.#onExpired('Your session has expired. Sign in again.');
  }
}

const readByMe = new Set<string>();
const UNREACHABLE = 'The server cannot be reached. Check your connection and try again.';

function mergeMessages(a: Message[], b: Message[]): Message[] {
  const byId = new Map<string, Message>();
  for (const m of [...a, ...b]) byId.set(m.id, m);
  return [...byId.values()].sort((x, y) => x.seq - y.seq);
}

function describe(error: unknown): string {
  if (error instanceof SwitchboardError) {
    if (error.status === 0) return UNREACHABLE;
    return error.message;
  }
  // fetch itself rejects with a TypeError when the server is gone.
  if (error instanceof TypeError) return UNREACHABLE;
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The server did not answer in time. Try again.')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
