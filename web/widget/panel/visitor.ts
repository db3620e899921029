import {
  type Client,
  createClient,
  type MediaRef,
  type Message,
  type Realtime,
  SwitchboardError,
} from '../../src/lib/sdk.ts';
import type { VisitorDetails, WidgetConfig } from '../shared.ts';
import { readSession, type StoredSession, writeSession } from './session.ts';

/**
 * The visitor's credentials and connections: the public client (domain key or app id alone) that makes
 * the visitor, then the SDK client and realtime connection of their session token, and the session kept
 * in storage (session.ts).
 */
export class Visitor {
  readonly publicClient: Client;
  session: StoredSession | undefined;
  private client: Client | undefined;
  private socket: Realtime | undefined;

  constructor(
    private readonly config: WidgetConfig,
    private readonly onConnect: (realtime: Realtime) => void,
  ) {
    this.publicClient = createClient({
      baseUrl: config.baseUrl,
      appId: config.appId,
      ...(config.domainKey ? { domainKey: config.domainKey } : {}),
    });
  }

  /** The session this browser kept, connected again. */
  restore(): StoredSession | undefined {
    const session = readSession(this.config.appId);
    if (session) this.connect(session);
    return session;
  }

  /** The visitor as a user of the app (POST /users), made once per browser. */
  async ensure(name: string, email: string, user: VisitorDetails): Promise<StoredSession> {
    if (this.session) return this.save({ name, email });
    const body = {
      ...(name ? { name } : {}),
      ...(email ? { contact: email } : {}),
      ...(user.externalId ? { externalId: user.externalId } : {}),
      // Where the visitor started the chat, for the agent's visitor details.
      extraInfo: {
        page: location.href.slice(0, 500),
        ...(document.referrer ? { referrer: document.referrer.slice(0, 500) } : {}),
      },
    };
    const created = await this.publicClient.users.create(body);
    const session: StoredSession = { userId: created.user.id, token: created.session.token, name, email };
    writeSession(this.config.appId, session);
    this.connect(session);
    return session;
  }

  connect(session: StoredSession): void {
    this.session = session;
    this.client = createClient({
      baseUrl: this.config.baseUrl,
      appId: this.config.appId,
      token: session.token,
    });
    this.socket?.close();
    this.socket = this.client.realtime(session.cursor ? { cursor: session.cursor } : {});
    this.onConnect(this.socket);
  }

  save(patch: Partial<StoredSession>): StoredSession {
    if (!this.session) throw new SwitchboardError(401, 'No visitor session');
    this.session = { ...this.session, ...patch };
    writeSession(this.config.appId, this.session);
    return this.session;
  }

  /** Drops the session (expired, or another tab dropped it). */
  forget(write = true): void {
    this.socket?.close();
    this.socket = undefined;
    this.client = undefined;
    this.session = undefined;
    if (write) writeSession(this.config.appId, undefined);
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  api(): Client {
    if (!this.client) throw new SwitchboardError(401, 'No visitor session');
    return this.client;
  }

  realtime(): Realtime {
    if (!this.socket) throw new SwitchboardError(401, 'No visitor session');
    return this.socket;
  }

  /** Every message of a chat, oldest first, page by page. */
  async messages(chatId: string): Promise<Message[]> {
    const out: Message[] = [];
    let after = 0;
    for (let page = 0; page < 100; page++) {
      const { messages } = await this.api().chats.messages(chatId, { after, limit: 200 });
      out.push(...messages);
      if (messages.length < 200) break;
      after = messages[messages.length - 1]?.seq ?? after;
    }
    return out;
  }

  /** A media URL the browser can load (img, download): query credentials, as docs/conventions.md allows. */
  mediaUrl(ref: MediaRef): string {
    const url = new URL(`${this.config.baseUrl}/v1${ref.url}`);
    url.searchParams.set('appId', this.config.appId);
    if (this.session) url.searchParams.set('token', this.session.token);
    return url.toString();
  }
}
