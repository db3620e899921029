import {
  type Chat,
  type ChatBody,
  type Client,
  type MediaRef,
  type Message,
  type Realtime,
  readSettings,
  type Settings,
  SwitchboardError,
} from '../../src/lib/sdk.ts';
import { Store } from '../../src/lib/store.ts';
import type { VisitorDetails, WidgetConfig, WidgetEvent } from '../shared.ts';
import { ChatEvents, type EventHost } from './events.ts';
import { explain, refuseFile } from './explain.ts';
import { closedRoom } from './hours.ts';
import { type StoredSession, watchSession } from './session.ts';
import { initialState, type Line, type ViewState } from './state.ts';
import { type SurveyAnswers, sendSurvey } from './survey.ts';
import { Typist } from './typing.ts';
import { Visitor } from './visitor.ts';

/**
 * The visitor's side of one chat, over the SDK: the pre-chat, the wait, the conversation, the end.
 * The widget's model (the web apps' one pattern, web/README.md): it owns the store the view reads,
 * its methods are the actions; every server call is a typed SDK method.
 */
export class VisitorChat implements EventHost {
  readonly store: Store<ViewState>;
  private readonly visitor: Visitor;
  private readonly events: ChatEvents;
  private media: Settings['media'] | undefined;
  private readonly typist = new Typist();
  private readonly readSent = new Set<string>();
  private visible = false;
  private counter = 0;
  /** Set while the room is closed: whether a chat started now becomes a ticket or waits. */
  private offHours: 'queue' | 'ticket' | undefined;
  private stopWatching: () => void;

  constructor(
    private readonly config: WidgetConfig,
    private user: VisitorDetails,
    readonly emit: (event: WidgetEvent, data?: unknown) => void,
  ) {
    this.events = new ChatEvents(this);
    this.visitor = new Visitor(config, (realtime) => {
      this.set({ me: this.visitor.session?.userId });
      this.events.bind(realtime);
    });
    this.store = new Store(initialState(user.name ?? '', user.contact ?? ''));
    this.stopWatching = watchSession(config.appId, (session) => this.adopt(session));
  }

  get state(): ViewState {
    return this.store.state;
  }

  private set(patch: Partial<ViewState>): void {
    this.store.update(patch);
  }

  /** First look: resume the stored chat, or offer the pre-chat (or leave-a-message) form. */
  async init(): Promise<void> {
    const session = this.visitor.restore();
    if (session) {
      this.set({ name: session.name ?? this.state.name, email: session.email ?? this.state.email });
      if (session.chatId) return this.resume(session.chatId);
    }
    await this.offerStart();
  }

  setUser(user: VisitorDetails): void {
    this.user = { ...this.user, ...user };
    if (user.name && !this.state.name) this.set({ name: user.name });
    if (user.contact && !this.state.email) this.set({ email: user.contact });
    const session = this.visitor.session;
    if (session) {
      const body = {
        ...(user.name ? { name: user.name } : {}),
        ...(user.contact ? { contact: user.contact } : {}),
      };
      if (Object.keys(body).length > 0)
        this.visitor
          .api()
          .users.update(session.userId, body)
          .catch(() => undefined);
    }
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) {
      this.set({ unread: 0 });
      this.emit('unread', 0);
      this.markRead();
    }
  }

  private async offerStart(): Promise<void> {
    try {
      const query = this.config.room ? { roomId: this.config.room } : {};
      const client = this.visitor.publicClient;
      const [online, closed] = await Promise.all([
        client.agents.online(query),
        closedRoom(client, this.config.room).catch(() => undefined),
      ]);
      this.offHours = closed?.mode;
      // A closed `queue` room still takes chats (they wait for the opening); a `ticket` room takes messages.
      const phase = closed ? (closed.mode === 'queue' ? 'prechat' : 'offline') : undefined;
      this.set({
        phase: phase ?? (online.agentsOnline ? 'prechat' : 'offline'),
        closed: closed?.text,
        error: undefined,
      });
    } catch (error) {
      this.set({ phase: 'prechat', error: explain(error) });
    }
  }

  /** Pre-chat submitted: the visitor exists (or is made), the chat starts. */
  async start(name: string, email: string): Promise<void> {
    await this.guard(async () => {
      this.set({ phase: 'starting', name, email });
      await this.visitor.ensure(name, email, this.user);
      const chat = await this.createChat();
      this.visitor.save({ chatId: chat.id });
      this.showChat(chat);
      this.emit('chat:started', { chatId: chat.id });
    }, 'prechat');
  }

  /** Nobody online: the visitor's message goes into a chat that closes at once into a ticket. */
  async leaveMessage(name: string, email: string, text: string): Promise<void> {
    await this.guard(async () => {
      this.set({ name, email });
      const session = await this.visitor.ensure(name, email, this.user);
      // A closed `ticket` room makes the chat a ticket in its creation: the message travels with it.
      const history =
        this.offHours === 'ticket'
          ? [{ sender: session.userId, message: text, created: Math.floor(Date.now() / 1000) }]
          : undefined;
      const chat = await this.createChat(history);
      this.visitor.save({ chatId: chat.id });
      if (chat.status !== 'closed')
        await this.need().chats.send(chat.id, { message: text, clientId: this.clientId() });
      // The ticket's words are not a chat message: shown from here, so the visitor sees what was sent.
      else this.set({ me: session.userId, lines: [leftLine(session.userId, text)] });
      await this.closeChat('left-message');
    }, 'offline');
  }

  /** After `forever:alone`: what was written stays in the ticket; the chat closes. */
  async endAsMessage(): Promise<void> {
    await this.guard(() => this.closeChat('left-message'));
  }

  async end(): Promise<void> {
    await this.guard(() => this.closeChat('visitor'));
  }

  /** Back to the pre-chat form for a new chat (same visitor). */
  async restart(): Promise<void> {
    if (this.visitor.session) this.visitor.save({ chatId: undefined });
    this.readSent.clear();
    this.set({
      lines: [],
      read: {},
      agents: {},
      names: {},
      alone: false,
      chatId: undefined,
      notice: undefined,
      survey: undefined,
      phase: 'loading',
    });
    await this.offerStart();
  }

  send(text: string): void {
    const chatId = this.state.chatId;
    if (!chatId || text.trim() === '') return;
    const clientId = this.clientId();
    const line: Line = {
      key: clientId,
      clientId,
      sender: this.state.me ?? '',
      type: 'text',
      message: text,
      seq: Number.MAX_SAFE_INTEGER,
      created: Math.floor(Date.now() / 1000),
      state: 'sending',
    };
    this.set({ lines: [...this.state.lines, line] });
    this.stopTyping();
    this.deliver(chatId, line);
  }

  retry(key: string): void {
    const line = this.state.lines.find((l) => l.key === key);
    if (!line || !this.state.chatId) return;
    this.replaceLine(key, { ...line, state: 'sending', error: undefined });
    this.deliver(this.state.chatId, line);
  }

  private deliver(chatId: string, line: Line): void {
    // The same clientId on a retry: the server keeps one message however often it is sent.
    this.rt()
      .request('messages:new', { chatId, message: String(line.message), clientId: line.clientId ?? line.key })
      .then((result) => this.addMessage(result.message, line.key))
      .catch((error: unknown) =>
        this.replaceLine(line.key, { ...line, state: 'failed', error: explain(error) }),
      );
  }

  async upload(file: File): Promise<void> {
    const chatId = this.state.chatId;
    if (!chatId) return;
    const refused = refuseFile(file, this.media);
    if (refused) return this.set({ error: refused });
    await this.guard(async () => {
      const { message } = await this.need().media.upload({ chatId, file, name: file.name });
      this.addMessage(message);
    });
  }

  typing(): void {
    if (this.state.chatId && this.visitor.connected)
      this.typist.typing(this.state.chatId, this.visitor.realtime());
  }

  private stopTyping(): void {
    this.typist.stop();
  }

  /** Every message of the chat, for the transcript (the server's copy, not what the screen holds). */
  async allMessages(): Promise<Message[]> {
    return this.state.chatId ? this.visitor.messages(this.state.chatId) : [];
  }

  mediaUrl(ref: MediaRef): string {
    return this.visitor.mediaUrl(ref);
  }

  dispose(): void {
    this.stopWatching();
    this.visitor.forget(false);
  }

  // ——— internals ———

  private async guard(work: () => Promise<void>, fallback?: ViewState['phase']): Promise<void> {
    this.set({ busy: true, error: undefined });
    try {
      await work();
    } catch (error) {
      if (error instanceof SwitchboardError && error.status === 401) return this.forget();
      this.set({ error: explain(error), ...(fallback ? { phase: fallback } : {}) });
    } finally {
      this.set({ busy: false });
    }
  }

  /** The stored session is no longer valid (expired, revoked): start over, and say so. */
  private async forget(): Promise<void> {
    this.visitor.forget();
    this.set({
      lines: [],
      chatId: undefined,
      me: undefined,
      notice: 'Your previous chat session has expired.',
    });
    await this.offerStart();
  }

  private async createChat(history?: ChatBody['history']): Promise<Chat> {
    const body: ChatBody = {
      ...(this.config.room ? { room: this.config.room } : {}),
      ...(this.config.lang ? { lang: this.config.lang } : {}),
      ...(history ? { history } : {}),
    };
    const { chat } = await this.need().chats.create(body);
    return chat;
  }

  private async closeChat(reason: string): Promise<void> {
    const chatId = this.state.chatId ?? this.visitor.session?.chatId;
    if (!chatId) return;
    await this.need()
      .chats.close(chatId, { extraData: { reason } })
      .catch((error: unknown) => {
        if (!(error instanceof SwitchboardError && error.status === 409)) throw error; // 409: closed already
      });
    this.set({
      phase: reason === 'left-message' ? 'left' : 'closed',
      chatId,
      alone: false,
      typing: undefined,
    });
    this.emit('chat:ended', { chatId, reason });
  }

  private async resume(chatId: string): Promise<void> {
    try {
      const { chat } = await this.need().chats.get(chatId, { fields: 'users' });
      this.showChat(chat);
      const messages = await this.allMessages();
      for (const message of messages) this.addMessage(message, undefined, true);
      this.markRead();
      this.countUnseen();
    } catch (error) {
      if (error instanceof SwitchboardError && (error.status === 401 || error.status === 404))
        return this.forget();
      this.set({ phase: 'prechat', error: explain(error) });
    }
  }

  private showChat(chat: Chat): void {
    const agents: Record<string, string> = { ...this.state.agents };
    for (const user of chat.users) {
      // Every role but `user` is staff (an agent, a supervisor or an admin: docs/people.md).
      if (typeof user === 'object' && user.role !== 'user')
        agents[user.id] = user.nickname || user.name || 'Agent';
    }
    this.set({
      chatId: chat.id,
      agents,
      names: { ...this.state.names, ...agents },
      inQueue: chat.inQueue,
      queuePosition: chat.queuePosition,
      phase: chat.status === 'closed' ? 'closed' : chat.status === 'active' ? 'active' : 'waiting',
    });
    void readSettings(this.need())
      .then((settings) => {
        this.media = settings.media;
      })
      .catch(() => undefined);
  }

  /** Used by the event handlers (events.ts): the cursor, and small state edits. */
  saveCursor(cursor: string | undefined): void {
    if (cursor && this.visitor.session) this.visitor.save({ cursor });
  }
  patch(patch: Partial<ViewState>): void {
    this.set(patch);
  }
  /** Sends the survey's answers (survey.ts). */
  sendSurvey(answers: SurveyAnswers): Promise<void> {
    return sendSurvey(this, answers);
  }
  addMessage(message: Message, replacing?: string, quiet = false): void {
    if (message.chat !== this.state.chatId) return;
    const lines =
      replacing === undefined ? [...this.state.lines] : this.state.lines.filter((l) => l.key !== replacing);
    if (!lines.some((l) => l.id === message.id)) {
      lines.push({ ...message, key: message.id, state: 'sent' });
      lines.sort((a, b) => a.seq - b.seq);
      if (!quiet && message.sender !== this.state.me) {
        this.emit('message', message);
        if (!this.visible) {
          this.set({ unread: this.state.unread + 1 });
          this.emit('unread', this.state.unread);
        }
      }
    }
    this.set({ lines, typing: message.sender === this.state.typing ? undefined : this.state.typing });
    this.markRead();
  }

  /**
   * After a reload with the panel closed: the others' messages past the last one the visitor had in
   * view are unread, whether they came by replay or in the reload's own read of the chat.
   */
  private countUnseen(): void {
    if (this.visible) return;
    const seen = this.visitor.session?.seen ?? 0;
    const unread = this.state.lines.filter(
      (l) => l.sender !== this.state.me && l.sender !== 'system' && l.seq > seen,
    ).length;
    if (unread === this.state.unread) return;
    this.set({ unread });
    this.emit('unread', unread);
  }

  /** Marks the others' messages read while the visitor can see them. */
  markRead(): void {
    if (!this.visible || document.visibilityState !== 'visible' || !this.visitor.connected) return;
    const last = this.state.lines.reduce((max, l) => (l.id ? Math.max(max, l.seq) : max), 0); // sent lines only
    if (this.visitor.session && last > (this.visitor.session.seen ?? 0)) this.visitor.save({ seen: last });
    for (const line of this.state.lines) {
      if (!line.id || line.sender === this.state.me || line.sender === 'system' || this.readSent.has(line.id))
        continue;
      this.readSent.add(line.id);
      this.rt()
        .request('messages:read', { messageId: line.id })
        .catch(() => this.readSent.delete(line.id ?? ''));
    }
  }

  /** Another tab started, resumed or forgot the session: follow it. */
  private adopt(session: StoredSession | undefined): void {
    const mine = this.visitor.session;
    if (session?.token === mine?.token && session?.chatId === mine?.chatId) return;
    if (!session) {
      this.visitor.forget(false);
      this.set({ me: undefined, chatId: undefined, lines: [] });
      void this.offerStart();
      return;
    }
    if (session.token !== mine?.token) this.visitor.connect(session);
    else this.visitor.session = session;
    if (session.chatId && session.chatId !== this.state.chatId) {
      this.set({ lines: [], read: {}, agents: {}, names: {} });
      void this.resume(session.chatId);
    }
  }

  private replaceLine(key: string, line: Line): void {
    this.set({ lines: this.state.lines.map((l) => (l.key === key ? line : l)) });
  }

  private clientId(): string {
    return `w${Date.now().toString(36)}${(this.counter++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  }

  /** The visitor's SDK client (their session token); 401 when there is none. */
  need(): Client {
    return this.visitor.api();
  }

  private rt(): Realtime {
    return this.visitor.realtime();
  }
}

/** What the visitor left in a closed `ticket` room, as a line of their own. */
function leftLine(me: string, text: string): Line {
  const created = Math.floor(Date.now() / 1000);
  return { key: 'left', sender: me, type: 'text', message: text, seq: 0, created, state: 'sent' };
}
