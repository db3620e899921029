import {
  type BodyOf,
  type Chat,
  createClient,
  type Message,
  type Realtime,
  type Session,
  type User,
} from '../../src/lib/sdk.ts';
import { waitFor } from './server.ts';

export interface Heard {
  event: string;
  data: Record<string, unknown>;
}

/**
 * A website visitor driven through the SDK (REST + realtime), standing in for the widget: it opens a
 * chat, talks, types, reads, and records every event it hears, in order.
 */
export class Visitor {
  readonly heard: Heard[] = [];
  readonly user: User;
  readonly client: ReturnType<typeof createClient>;
  readonly realtime: Realtime;
  chat: Chat | undefined;

  private constructor(baseUrl: string, appId: string, user: User, session: Session) {
    this.user = user;
    this.client = createClient({ baseUrl, appId, token: session.token });
    this.realtime = this.client.realtime();
    const names = [
      'connected',
      'disconnected',
      'messages:new',
      'messages:read',
      'users:activity',
      'chats:join',
      'chats:leave',
      'chats:close',
      'chats:intervened',
      'queues:update',
      'system:info',
    ] as const;
    for (const name of names) {
      this.realtime.on(name, (data: Record<string, unknown>) => this.heard.push({ event: name, data }));
    }
  }

  static async arrive(
    baseUrl: string,
    appId: string,
    domainKey: string,
    name: string,
    extra = {},
  ): Promise<Visitor> {
    const publicClient = createClient({ baseUrl, appId, domainKey });
    const { user, session } = await publicClient.users.create({ name, ...extra });
    const visitor = new Visitor(baseUrl, appId, user, session);
    await visitor.until('connected');
    return visitor;
  }

  async openChat(body: BodyOf<'/v1/chats', 'post'> = {}): Promise<Chat> {
    const { chat } = await this.client.chats.create(body);
    this.chat = chat;
    return chat;
  }

  async say(text: string): Promise<Message> {
    const { message } = await this.client.chats.send(this.chat!.id, {
      message: text,
      clientId: `v-${crypto.randomUUID()}`,
    });
    return message;
  }

  async typing(writing: boolean): Promise<void> {
    await this.client.users.activity(this.user.id, {
      chatId: this.chat!.id,
      type: writing ? 'writing' : 'not-writing',
    });
  }

  async read(messageId: string): Promise<void> {
    await this.client.messages.read(messageId);
  }

  /** The first heard event (from `from` on) that matches; waits for it. */
  async until(
    event: string,
    match: (data: Record<string, unknown>) => boolean = () => true,
    from = 0,
  ): Promise<Heard> {
    return waitFor(
      async () => this.heard.slice(from).find((h) => h.event === event && match(h.data)),
      15_000,
      `visitor hearing ${event}`,
    );
  }

  /** Texts of the messages heard, in order. */
  texts(): string[] {
    return this.heard
      .filter((h) => h.event === 'messages:new')
      .map((h) => (h.data.message as Message).message)
      .filter((m): m is string => typeof m === 'string');
  }

  close(): void {
    this.realtime.close();
  }
}
