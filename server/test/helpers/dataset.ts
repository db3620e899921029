import assert from 'node:assert/strict';
import { createAgent, createChat, createUser, expectStatus, type Person, type TestApp } from './fixtures.ts';
import type { Json, TestServer } from './harness.ts';

/** A multipart/form-data body built the way browsers build it (FormData), as bytes plus its content type. */
export async function multipart(
  fields: Record<string, string>,
  file?: { name: string; type: string; bytes: Buffer; field?: string },
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  if (file) {
    form.append(
      file.field ?? 'media',
      new Blob([new Uint8Array(file.bytes)], { type: file.type }),
      file.name,
    );
  }
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return {
    body: Buffer.from(await request.arrayBuffer()),
    contentType: request.headers.get('content-type') ?? '',
  };
}

/** Every kind of object an app can hold, created through the API (docs/api.md). */
export interface DataSet {
  /** An end user with an open, active chat. */
  user: Person & { externalId: string; name: string };
  /** An agent of room 1, online, taking part in `chat`. */
  agent: Person & { contact: string; password: string };
  /** An agent of room 2 (a room only this app has), online. */
  agent2: Person;
  chat: Json;
  /** A text message of `user` in `chat`, read by `agent`. */
  message: Json;
  /** The text of `message`, unique to this data set. */
  messageText: string;
  media: Json;
  /** A second end user whose chat is closed. */
  closedUser: Person;
  closedChat: Json;
  ticket: Json;
}

let counter = 0;

/**
 * Fills an app with one of everything: a user, an agent of room 1 joined to the user's chat, a message,
 * a read receipt, an imported history line, a media file, and a closed chat with its ticket. Room 2 is
 * added to the app's settings, and routing on create is switched off so that nothing moves on its own.
 */
export async function buildDataSet(server: TestServer, app: TestApp, label: string): Promise<DataSet> {
  const n = ++counter;
  await expectStatus(server, 200, 'PUT', '/v1/settings', {
    headers: app.asApp,
    body: {
      rooms: [
        { id: 1, name: 'General' },
        { id: 2, name: `${label} only room` },
      ],
      assign: { onCreate: false, timeout: 17 },
    },
  });
  // Opening hours of its own (no week: every room stays open), for another app's PUT not to touch.
  await expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
    headers: app.asApp,
    body: { timezone: 'Europe/Madrid' },
  });
  const externalId = `${label}-ext-${n}`;
  const userName = `${label} user ${n}`;
  const user = await createUser(server, app, {
    name: userName,
    externalId,
    contact: `${label}-${n}@users.example`,
  });
  const contact = `shared-agent-${n}@agents.example`;
  const password = `${label}-password-${n}`;
  const agent = await createAgent(server, app, { name: `${label} agent`, contact, password, rooms: [1] });
  const agent2 = await createAgent(server, app, { name: `${label} agent 2`, rooms: [2] });
  const chat = await createChat(server, app, user);
  await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
    headers: app.as(agent.token),
    body: {},
  });
  const messageText = `${label} private words ${n}`;
  const sent = await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
    headers: app.as(user.token),
    body: { message: messageText },
  });
  const message = sent.body.message;
  await expectStatus(server, 200, 'PUT', `/v1/messages/${message.id}/read`, {
    headers: app.as(agent.token),
    body: {},
  });
  const imported = await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/history`, {
    headers: app.as(user.token),
    body: { history: [{ sender: 'assistant', message: `${label} bot line`, created: 1700000000 }] },
  });
  assert.equal(imported.body.imported, 1);
  const { body, contentType } = await multipart(
    { chatId: chat.id },
    { name: `${label}.txt`, type: 'text/plain', bytes: Buffer.from(`${label} file body`) },
  );
  const uploaded = await expectStatus(server, 201, 'POST', '/v1/media', {
    headers: { ...app.as(user.token), 'content-type': contentType },
    body,
  });
  const media = uploaded.body.media;

  const closedUser = await createUser(server, app, { name: `${label} closed user ${n}` });
  const closedChat = await createChat(server, app, closedUser);
  await expectStatus(server, 201, 'POST', `/v1/chats/${closedChat.id}/messages`, {
    headers: app.as(closedUser.token),
    body: { message: `${label} closing words` },
  });
  await expectStatus(server, 200, 'DELETE', `/v1/chats/${closedChat.id}`, { headers: app.asApp });
  const tickets = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${closedChat.id}`, {
    headers: app.asApp,
  });
  assert.equal(tickets.body.tickets.length, 1, 'closing the chat made a ticket');
  const ticket = tickets.body.tickets[0];

  return {
    user: { ...user, externalId, name: userName },
    agent: { ...agent, contact, password },
    agent2,
    chat: (await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}`, { headers: app.asApp })).body.chat,
    message,
    messageText,
    media,
    closedUser,
    closedChat: (await expectStatus(server, 200, 'GET', `/v1/chats/${closedChat.id}`, { headers: app.asApp }))
      .body.chat,
    ticket,
  };
}

/** The ids and texts of a data set that must never show up in another app's answers. */
export function secretsOf(data: DataSet, appId: string): string[] {
  return [
    appId,
    data.user.id,
    data.user.name,
    data.user.externalId,
    data.agent.id,
    data.agent2.id,
    data.chat.id,
    data.message.id,
    data.messageText,
    data.media.id,
    data.closedUser.id,
    data.closedChat.id,
    data.ticket.id,
  ];
}

const TABLES = [
  'users',
  'sessions',
  'chats',
  'chatUsers',
  'chatWatchers',
  'messages',
  'messageReads',
  'historyEntries',
  'media',
  'tickets',
  'events',
  'workTimetables',
  'auditEntries',
] as const;

/** Bytes as hex, so rows compare and print the same on both stores. */
function plain(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
    if (typeof value === 'bigint') return Number(value);
    return value;
  });
}

export interface AppSnapshot {
  app: { name: string; domains: string; settings: Json; secretHash: string; domainKeyHash: string };
  counts: Record<string, number>;
  rows: Record<string, string[]>;
}

/** Every row an app owns, table by table: the counts, and the rows themselves (sorted). */
export async function snapshotApp(server: TestServer, appId: string): Promise<AppSnapshot> {
  const db = server.sb.store.db;
  const app = await db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirstOrThrow();
  const counts: Record<string, number> = {};
  const rows: Record<string, string[]> = {};
  for (const table of TABLES) {
    const found = (await db.selectFrom(table).selectAll().where('appId', '=', appId).execute()) as Array<
      Record<string, unknown>
    >;
    counts[table] = found.length;
    rows[table] = found.map(plain).sort();
  }
  return {
    app: {
      name: app.name,
      domains: app.domains,
      settings: JSON.parse(app.settings) as Json,
      secretHash: app.secretHash,
      domainKeyHash: app.domainKeyHash,
    },
    counts,
    rows,
  };
}

/** Asserts that nothing of an app changed since `before`: counts first (readable), then every row. */
export async function assertUnchanged(server: TestServer, appId: string, before: AppSnapshot): Promise<void> {
  const now = await snapshotApp(server, appId);
  assert.deepEqual(now.counts, before.counts, 'row counts of the app changed');
  assert.deepEqual(now.app, before.app, 'the app row (name, domains, settings, credentials) changed');
  for (const table of Object.keys(before.rows)) {
    assert.deepEqual(now.rows[table], before.rows[table], `rows of ${table} changed`);
  }
}
