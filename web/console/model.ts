import {
  type AgentStatus,
  type Client,
  createClient,
  type EventData,
  type Invitation,
  type Message,
  type Realtime,
  type RealtimeRequestName,
  type RealtimeRequests,
  readSettings,
  type Settings,
  SwitchboardError,
  type User,
} from '../src/lib/sdk.ts';
import { Store } from '../src/lib/store.ts';
import { Alerts } from './alerts.ts';
import {
  type InvitedEvent,
  loadAgentNames,
  loadChatDetail,
  loadInvitation,
  transferTargets,
  visitorName,
} from './loaders.ts';
import { mediaUrl, uploadMedia } from './media.ts';
import { QueueWatcher } from './queue.ts';
import {
  type ChatView,
  type ConsoleState,
  describe,
  initialState,
  mergeMessages,
  now,
  type PendingInvitation,
  type SavedSession,
  withTimeout,
} from './state.ts';
import {
  activityPatch,
  newChatView,
  pendingOf,
  uploadRefusal,
  withMessage,
  withoutChat,
  withRead,
} from './views.ts';

export type { ChatView, ConsoleState, PendingInvitation, SavedSession } from './state.ts';

/** The agent console's state and every action it takes, over the SDK's REST and realtime clients. */
export class ConsoleModel {
  readonly store: Store<ConsoleState>;
  readonly client: Client;
  readonly session: SavedSession;
  readonly alerts = new Alerts();
  /** Messages this console has already marked read (one receipt per message). */
  readonly #readByMe = new Set<string>();
  #realtime: Realtime | undefined;
  #onExpired: (message: string) => void;
  #signingOut = false;
  readonly #queue: QueueWatcher;
  #expiryTimer: ReturnType<typeof setInterval> | undefined;
  #firstConnect: ReturnType<typeof setTimeout> | undefined;

  constructor(session: SavedSession, onExpired: (message: string) => void) {
    this.session = session;
    this.#onExpired = onExpired;
    this.client = createClient({ baseUrl: session.baseUrl, appId: session.appId, token: session.token });
    this.store = new Store<ConsoleState>(initialState(session.agent));
    this.#queue = new QueueWatcher(this.client, this.store, () => this.#expire());
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
    realtime.on('disconnected', (data) => {
      this.store.update({ connected: false });
      if (data.code === 4001) this.#expire();
    });
    realtime.on('invitations:new', (data) => this.#invited(data));
    realtime.on('invitations:accept', (data) => {
      if (data.userId === this.me) this.#dropInvitation(data.chatId);
    });
    realtime.on('chats:join', (data) => this.#joined(data));
    realtime.on('chats:leave', (data) => this.#left(data));
    realtime.on('chats:close', (data) => this.#closed(data.chatId));
    realtime.on('messages:new', (data) => this.#message(data.message));
    realtime.on('messages:read', (data) => this.#read(data));
    realtime.on('users:activity', (data) => this.#activity(data));
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
    // The sign-out ends this session, so the server closes the socket (4001): that is not an expiry.
    this.#signingOut = true;
    try {
      await this.client.agents.logout();
    } catch {
      // Signing out of a tab must always work, even with the server gone.
    }
    this.stop();
  }

  stop(): void {
    this.#realtime?.close();
    this.alerts.stop();
    clearInterval(this.#expiryTimer);
    this.#queue.stop();
    clearTimeout(this.#firstConnect);
  }

  async #loadInitial(): Promise<void> {
    const [settings, invitations, chats] = await Promise.all([
      readSettings(this.client),
      this.client.invitations.list({ userId: this.me, status: 'pending' }),
      this.client.chats.list({ userId: this.me, status: 'active' }),
    ]);
    this.store.update({ settings });
    void this.#loadAgentNames();
    for (const invitation of invitations.invitations) {
      if (invitation.expires > now()) await this.#addInvitation(invitation);
    }
    for (const chat of chats.chats) await this.#openChat(chat.id);
    await this.refreshQueue(true);
  }

  /** Colleagues' names, for their messages in chats transferred to me. */
  async #loadAgentNames(): Promise<void> {
    const names = await loadAgentNames(this.client);
    this.store.update((s) => ({ names: { ...s.names, ...names } }));
  }

  // ——— invitations ———

  async #invited(data: InvitedEvent) {
    if (data.userId === this.me) await this.#addInvitation(await loadInvitation(this.client, data));
  }

  async #addInvitation(invitation: Invitation): Promise<void> {
    if (this.store.state.invitations.some((i) => i.id === invitation.id)) return;
    this.store.update((s) => ({ invitations: [...s.invitations, pendingOf(invitation)] }));
    this.#alert();
    const name = await visitorName(this.client, invitation.chatId);
    if (name) this.#patchInvitation(invitation.id, { visitorName: name });
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
      const view = newChatView(detail);
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
    // The visitor's and colleagues' messages; notes are not the visitor's to be told about.
    const theirs = view.messages.filter(
      (m) => m.sender !== this.me && m.sender !== 'system' && m.visibility !== 'agents',
    );
    const last = theirs.at(-1);
    if (!last || this.#readByMe.has(last.id)) return;
    this.#readByMe.add(last.id);
    try {
      await this.#requestRealtime('messages:read', { messageId: last.id });
    } catch {
      this.#readByMe.delete(last.id);
    }
  }

  #patchChat(chatId: string, patch: (view: ChatView) => Partial<ChatView>): void {
    this.store.update((s) => {
      const view = s.chats[chatId];
      if (!view) return {};
      return { chats: { ...s.chats, [chatId]: { ...view, ...patch(view) } } };
    });
  }

  async #joined(data: EventData['chats:join']): Promise<void> {
    if (data.userId === this.me) {
      this.#dropInvitation(data.chatId);
      await this.#openChat(data.chatId).catch((error) => this.#fail(error));
    }
    this.refreshQueue();
  }

  #left(data: EventData['chats:leave']): void {
    if (data.userId === this.me) this.#forget(data.chatId);
    this.refreshQueue();
  }

  #closed(chatId: string): void {
    this.#dropInvitation(chatId);
    this.#patchChat(chatId, () => ({ closed: true, typing: false }));
    this.refreshQueue();
  }

  #forget(chatId: string): void {
    this.store.update((s) => withoutChat(s, chatId));
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
    this.#patchChat(message.chat, (v) => withMessage(v, message, mine || visible));
    this.#alert();
    if (visible && !mine) void this.markRead(message.chat);
  }

  #read(data: EventData['messages:read']): void {
    if (data.userId === this.me) return;
    this.#patchChat(data.chatId, (v) => withRead(v, data.messageId));
  }

  #activity(data: EventData['users:activity']): void {
    if (data.userId === this.me) return;
    this.#patchChat(data.chatId, () => activityPatch(data.type));
  }

  /** Sends a message, or with `note` an internal note (agents only: docs/security.md). */
  async send(chatId: string, text: string, note = false): Promise<boolean> {
    const clientId = `c-${crypto.randomUUID()}`;
    return this.#act(async () => {
      const result = await this.#requestRealtime('messages:new', {
        chatId,
        message: text,
        clientId,
        ...(note ? { visibility: 'agents' as const } : {}),
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
    try {
      this.#message(await uploadMedia(this.client, chatId, this.me, file));
      return undefined;
    } catch (error) {
      if (error instanceof SwitchboardError && error.status === 401) this.#expire();
      return uploadRefusal(error, file, media);
    }
  }

  mediaUrl(path: string): string {
    return mediaUrl(this.session, path);
  }

  async close(chatId: string): Promise<void> {
    await this.#act(async () => {
      await this.#requestRealtime('chats:close', { chatId });
      this.#closed(chatId);
    });
  }

  /** Replaces the chat's tags (`PUT /chats/{id}`); false when refused (the reason is in `error`). */
  async setTags(chatId: string, tags: string[]): Promise<boolean> {
    return this.#act(async () => {
      const { chat } = await this.client.chats.update(chatId, { tags });
      this.#patchChat(chatId, (v) => ({ chat: { ...v.chat, tags: chat.tags } }));
    });
  }

  async transferTo(chatId: string, agentId: string): Promise<boolean> {
    return this.#act(async () => {
      await this.client.invitations.create({ chatId, userId: agentId, transfer: true });
    });
  }

  async backToQueue(chatId: string): Promise<boolean> {
    return this.#act(async () => {
      await this.client.chats.toInbox(chatId);
      this.#forget(chatId);
    });
  }

  /** Agents a chat can be handed to: online, a free slot, serving the chat's room, not me. */
  transferTargets(chatId: string): Promise<User[]> {
    return transferTargets(this.client, this.me, this.store.state.chats[chatId]?.chat.room);
  }

  /** A supervisor's Reports view, in place of the chat (and back). */
  showReports(reports: boolean): void {
    this.store.update({ reports });
  }

  async setStatus(status: AgentStatus): Promise<void> {
    const previous = this.store.state.status;
    this.store.update({ status });
    const ok = await this.#act(() => this.#requestRealtime('agents:status', { status }));
    if (!ok) this.store.update({ status: previous });
  }

  /** The queue of the agent's rooms, re-read at most every 300 ms however many events ask for it. */
  refreshQueue(now = false): Promise<void> {
    return this.#queue.refresh(now);
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
    if (this.#signingOut) return;
    this.stop();
    this.#onExpired('Your session has expired. Sign in again.');
  }
}
