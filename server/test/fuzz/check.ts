import type { Json, TestServer } from '../helpers/harness.ts';
import type { Client, Frame } from '../helpers/ws.ts';
import type { World } from './world.ts';

/**
 * The fuzzer's three properties: every answer is 2xx/4xx and every error is in the envelope; a
 * refused request changes nothing (in its app or any other); an accepted change leaves every read
 * that can show it answering 2xx (the "poison" check of issue 11).
 */

export class FuzzFailure extends Error {}

/** Checks one HTTP answer: never 5xx, errors in the envelope of docs/conventions.md. */
export function checkAnswer(what: string, status: number, contentType: string, text: string): void {
  if (status >= 500 || status < 200)
    throw new FuzzFailure(`${what} answered ${status}: ${text.slice(0, 500)}`);
  if (status < 400) return;
  if (!contentType.includes('application/json'))
    throw new FuzzFailure(`${what} answered ${status} as ${contentType}: ${text.slice(0, 300)}`);
  checkEnvelope(what, status, parse(what, text));
}

export function checkEnvelope(what: string, status: number, body: unknown): void {
  const error = (body as { error?: Json } | null)?.error;
  const keys = body && typeof body === 'object' ? Object.keys(body) : [];
  if (
    !error ||
    keys.length !== 1 ||
    error.code !== status ||
    typeof error.message !== 'string' ||
    (error.details !== undefined &&
      (!Array.isArray(error.details) ||
        !error.details.every((d: Json) => typeof d?.field === 'string' && typeof d?.message === 'string')))
  ) {
    throw new FuzzFailure(
      `${what}: ${status} outside the error envelope: ${JSON.stringify(body).slice(0, 300)}`,
    );
  }
}

function parse(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FuzzFailure(`${what}: body is not JSON: ${text.slice(0, 300)}`);
  }
}

// Columns that move without a request: session expiry slides on use; the webhook dispatcher keeps
// its bookkeeping in the webhook row.
const VOLATILE: Record<string, string[]> = {
  sessions: ['expires'],
  webhooks: [
    'leaseOwner',
    'leaseUntil',
    'nextDue',
    'gen',
    'failingSince',
    'assignFailures',
    'assignFailedAt',
  ],
  apps: [],
};

// Rows that requests change in place: compared whole.
const MUTABLE = ['users', 'chats', 'chatUsers', 'invitations', 'webhooks'] as const;
// Rows only ever added: their count and newest key say whether anything was (and stay cheap to read
// however long the run).
const APPEND_ONLY = [
  ['sessions', 'tokenHash'],
  ['messages', 'id'],
  ['messageReads', 'messageId'],
  ['historyEntries', 'position'],
  ['media', 'id'],
  ['tickets', 'id'],
  ['events', 'seq'],
] as const;

function plain(row: Record<string, unknown>, drop: string[]): string {
  const copy: Record<string, unknown> = { ...row };
  for (const key of drop) delete copy[key];
  return JSON.stringify(copy, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return `bytes:${value.length}`;
    if (typeof value === 'bigint') return Number(value);
    return value;
  });
}

/** Everything one app owns, as sorted row texts per table. */
export async function snapshot(server: TestServer, appId: string): Promise<string> {
  const db = server.sb.store.db;
  const parts: string[] = [];
  const app = await db
    .selectFrom('apps')
    .select(['name', 'domains', 'settings', 'secretHash', 'domainKeyHash'])
    .where('id', '=', appId)
    .executeTakeFirst();
  parts.push(JSON.stringify(app ?? null));
  for (const table of MUTABLE) {
    const rows = (await db.selectFrom(table).selectAll().where('appId', '=', appId).execute()) as Array<
      Record<string, unknown>
    >;
    const texts = rows.map((r) => plain(r, VOLATILE[table] ?? [])).sort();
    parts.push(`${table}:${texts.join('\n')}`);
  }
  for (const [table, key] of APPEND_ONLY) {
    const row = await db
      .selectFrom(table)
      .where('appId', '=', appId)
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max(key).as('last')])
      .executeTakeFirst();
    parts.push(`${table}: ${Number(row?.n ?? 0)} rows, last ${String(row?.last ?? '-')}`);
  }
  return parts.join('\n--\n');
}

/** The first line where two snapshots differ, for the failure message. */
export function firstDifference(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `before: ${a[i]?.slice(0, 300)}\n  after: ${b[i]?.slice(0, 300)}`;
  }
  return '(same)';
}

/** Every read that can show what an accepted change did: each must still answer 2xx. */
export async function checkReads(world: World): Promise<number> {
  const { server, app, data } = world;
  const chat = data.chat.id;
  const reads: Array<[string, Record<string, string>]> = [
    [`/v1/chats/${chat}?fields=users,history`, app.asApp],
    [`/v1/chats/${chat}?fields=users,history`, app.as(data.user.token)],
    [`/v1/chats/${data.closedChat.id}?fields=users,history`, app.asApp],
    [`/v1/chats/${chat}/history`, app.asApp],
    [`/v1/chats/${chat}/history?format=csv`, app.asApp],
    [`/v1/chats/${chat}/messages?limit=200`, app.asApp],
    [`/v1/chats/${chat}/users`, app.asApp],
    ['/v1/chats?limit=200', app.asApp],
    ['/v1/chats', app.as(data.agent.token)],
    ['/v1/users?limit=200', app.asApp],
    [`/v1/users/${data.user.id}`, app.as(data.user.token)],
    ['/v1/agents?limit=200', app.asApp],
    [`/v1/agents/${data.agent.id}`, app.asApp],
    ['/v1/agents/available', app.asApp],
    ['/v1/agents/online', app.asApp],
    ['/v1/settings', app.asApp],
    [`/v1/apps/${app.id}`, app.asApp],
    ['/v1/apps?limit=200', { 'x-hyper-admin': server.adminKey }],
    ['/v1/queues/status', app.asApp],
    [`/v1/queues/update/${chat}`, app.asApp],
    ['/v1/invitations', app.asApp],
    ['/v1/media?limit=200', app.asApp],
    [`/v1/media/${data.media.id}`, app.asApp],
    ['/v1/tickets?limit=200', app.asApp],
    [`/v1/tickets/${data.ticket.id}`, app.asApp],
    ['/v1/health', {}],
  ];
  // Webhooks may be deleted by an accepted request: read the ones that exist.
  const hooks = await server.request('GET', '/v1/webhooks?limit=200', { headers: app.asApp });
  if (hooks.status !== 200)
    throw new FuzzFailure(`poisoned: GET /v1/webhooks now answers ${hooks.status}: ${hooks.text}`);
  for (const hook of (hooks.body.webhooks as Json[]).slice(0, 3)) {
    reads.push([`/v1/webhooks/${hook.id}`, app.asApp], [`/v1/webhooks/${hook.id}/deliveries`, app.asApp]);
  }
  for (const [url, headers] of reads) {
    const res = await server.request('GET', url, { headers });
    if (res.status < 200 || res.status >= 300)
      throw new FuzzFailure(`poisoned: GET ${url} now answers ${res.status}: ${res.text.slice(0, 300)}`);
  }
  for (const socket of [world.sockets.user, world.sockets.app]) {
    const id = socket.request('chats:get', { chatId: chat, fields: 'users,history' });
    const answer = await nextAck(socket);
    if (answer.ack !== id || !answer.data?.chat)
      throw new FuzzFailure(`poisoned: realtime chats:get answers ${JSON.stringify(answer).slice(0, 300)}`);
  }
  return reads.length + 2;
}

/** The next ack on a socket, skipping the events pushed meanwhile. */
export async function nextAck(socket: Client, ms = 15_000): Promise<Frame> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (socket.isClosed) throw new FuzzFailure(`the socket closed: ${JSON.stringify(await socket.closed)}`);
    const left = deadline - Date.now();
    if (left <= 0) throw new FuzzFailure(`no ack within ${ms} ms`);
    const frame = await socket.next(left, 'an ack');
    if ('ack' in frame) return frame;
  }
}
