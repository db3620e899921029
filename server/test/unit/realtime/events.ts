import type { StoredEvent } from '../../../src/events/catalog.ts';
import { appHead } from '../../../src/realtime/log.ts';
import {
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from '../../helpers/fixtures.ts';
import type { TestServer } from '../../helpers/harness.ts';
import { until } from './socket-pair.ts';

/** An app with a user in one chat, to make real events with (each message: one committed event or more). */
export interface EventMaker {
  app: TestApp;
  user: Person;
  chatId: string;
  /** Posts `count` messages; resolves to the events committed meanwhile, as the bus carried them. */
  messages(count: number): Promise<StoredEvent[]>;
}

export async function eventMaker(server: TestServer): Promise<EventMaker> {
  const app = await createTestApp(server);
  const user = await createUser(server, app);
  const chat = await createChat(server, app, user);
  const chatId = chat.id as string;
  return {
    app,
    user,
    chatId,
    async messages(count) {
      const seen: StoredEvent[] = [];
      const stop = server.sb.bus.subscribe((event) => {
        if (event.appId === app.id) seen.push(event);
      });
      try {
        for (let i = 0; i < count; i++)
          await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
            headers: app.as(user.token),
            body: { message: `message ${i}` },
          });
        const head = await appHead(server.sb.store.db, app.id);
        await until(() => seen.at(-1)?.position === head, 5000, 'the bus to carry every event');
      } finally {
        stop();
      }
      return seen.sort((a, b) => a.position - b.position);
    },
  };
}
