import { type Chat, type Client, type Message, SwitchboardError } from '../src/lib/sdk.ts';
import type { Store } from '../src/lib/store.ts';
import { loadChatDetail } from './loaders.ts';
import { type ConsoleState, type MonitorRow, mergeMessages } from './state.ts';

/** A refresh asked for within this many ms of another is served by the same read. */
const COALESCE_MS = 300;
/** While the Monitor is shown, its list is read again this often (agents and last lines move). */
const POLL_MS = 5000;

/**
 * The supervisor's Monitor (docs/web.md, "Monitor"): the open chats of its rooms (every room for an
 * admin) with their agents and last line, the chats it watches and their live transcripts. Owned by
 * the ConsoleModel, writing to its store (the `monitor` part of ConsoleState).
 */
export class Monitor {
  readonly #client: Client;
  readonly #store: Store<ConsoleState>;
  readonly #me: string;
  readonly #onError: (error: unknown) => void;
  /** The highest message seq read of each listed chat, so a refresh reads only what is new. */
  readonly #seen = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;

  constructor(client: Client, store: Store<ConsoleState>, me: string, onError: (error: unknown) => void) {
    this.#client = client;
    this.#store = store;
    this.#me = me;
    this.#onError = onError;
  }

  /** The Monitor is on screen: read now, then every few seconds. */
  show(): void {
    void this.refresh(true);
    clearInterval(this.#poll);
    this.#poll = setInterval(() => void this.refresh(), POLL_MS);
  }

  hide(): void {
    clearInterval(this.#poll);
  }

  stop(): void {
    this.hide();
    clearTimeout(this.#timer);
  }

  refresh(now = false): Promise<void> {
    clearTimeout(this.#timer);
    return new Promise((resolve) => {
      this.#timer = setTimeout(() => void this.#read().then(resolve), now ? 0 : COALESCE_MS);
    });
  }

  async #read(): Promise<void> {
    try {
      const [waiting, active] = await Promise.all([
        this.#client.chats.list({ status: 'waiting', limit: 200 }),
        this.#client.chats.list({ status: 'active', limit: 200 }),
      ]);
      const chats = [...waiting.chats, ...active.chats].sort((a, b) => a.created - b.created);
      const before = new Map(this.#store.state.monitor.rows.map((row) => [row.chat.id, row]));
      const rows = await Promise.all(chats.map((chat) => this.#row(chat, before.get(chat.id))));
      this.#store.update((s) => ({ monitor: { ...s.monitor, rows, loaded: true } }));
    } catch (error) {
      this.#onError(error);
    }
  }

  async #row(chat: Chat, before: MonitorRow | undefined): Promise<MonitorRow> {
    const visitor = before?.visitor ?? (await this.#visitorName(chat.id));
    const after = this.#seen.get(chat.id) ?? 0;
    const { messages } = await this.#client.chats.messages(chat.id, { after, limit: 200 });
    const last = messages.at(-1) ?? before?.last;
    if (last) this.#seen.set(chat.id, last.seq);
    return { chat, visitor, last };
  }

  async #visitorName(chatId: string): Promise<string> {
    const known = this.#store.state.names[chatId];
    if (known) return known;
    try {
      return (await loadChatDetail(this.#client, chatId)).visitor?.name || 'Visitor';
    } catch {
      return 'Visitor';
    }
  }

  /** Starts watching and opens the chat's transcript, read-only. */
  async watch(chatId: string): Promise<void> {
    await this.#client.chats.watch(chatId);
    const detail = await loadChatDetail(this.#client, chatId, true);
    this.#store.update((s) => ({
      monitor: {
        ...s.monitor,
        watching: s.monitor.watching.includes(chatId) ? s.monitor.watching : [...s.monitor.watching, chatId],
        open: chatId,
        transcripts: {
          ...s.monitor.transcripts,
          [chatId]: mergeMessages(detail.messages, s.monitor.transcripts[chatId] ?? []),
        },
      },
    }));
  }

  async unwatch(chatId: string): Promise<void> {
    await this.#client.chats.unwatch(chatId, this.#me);
    this.forget(chatId);
  }

  /** Takes the chat over: the server makes the other agents leave and this person join. */
  async intervene(chatId: string): Promise<void> {
    await this.#client.chats.intervene(chatId);
    this.forget(chatId);
    void this.refresh();
  }

  /** A whisper: an internal note in a watched chat, which the visitor never sees. */
  async whisper(chatId: string, text: string): Promise<void> {
    const { message } = await this.#client.chats.send(chatId, {
      message: text,
      visibility: 'agents',
      clientId: `w-${crypto.randomUUID()}`,
    });
    this.message(message);
  }

  open(chatId: string | undefined): void {
    this.#store.update((s) => ({ monitor: { ...s.monitor, open: chatId } }));
  }

  /** A message heard on the socket: into the transcript of a watched chat, and the row's last line. */
  message(message: Message): void {
    const { monitor } = this.#store.state;
    const watched = monitor.watching.includes(message.chat);
    const listed = monitor.rows.some((row) => row.chat.id === message.chat);
    if (!watched && !listed) return;
    if (message.seq > (this.#seen.get(message.chat) ?? 0)) this.#seen.set(message.chat, message.seq);
    this.#store.update((s) => ({
      monitor: {
        ...s.monitor,
        rows: s.monitor.rows.map((row) =>
          row.chat.id === message.chat && (!row.last || row.last.seq <= message.seq)
            ? { ...row, last: message }
            : row,
        ),
        transcripts: watched
          ? {
              ...s.monitor.transcripts,
              [message.chat]: mergeMessages(s.monitor.transcripts[message.chat] ?? [], [message]),
            }
          : s.monitor.transcripts,
      },
    }));
  }

  /** The chat closed, or this person stopped watching or took part: no longer watched. */
  forget(chatId: string): void {
    this.#store.update((s) => {
      const { [chatId]: _dropped, ...transcripts } = s.monitor.transcripts;
      return {
        monitor: {
          ...s.monitor,
          watching: s.monitor.watching.filter((id) => id !== chatId),
          open: s.monitor.open === chatId ? undefined : s.monitor.open,
          transcripts,
        },
      };
    });
  }

  /** Whether a failure means the chat is gone (closed, or no longer ours to watch). */
  static gone(error: unknown): boolean {
    return error instanceof SwitchboardError && (error.status === 404 || error.status === 409);
  }
}
