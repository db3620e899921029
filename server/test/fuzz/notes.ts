import fc from 'fast-check';
import { endUserView, leaksOf } from '../helpers/end-user-view.ts';
import { createAgent, createTestApp, createUser, type Person, type TestApp } from '../helpers/fixtures.ts';
import { type Json, type StoreKind, startServer, type TestServer } from '../helpers/harness.ts';
import { type Client, connect } from '../helpers/ws.ts';
import { FuzzFailure } from './check.ts';

/**
 * The notes property (docs/security.md, "Internal notes"): nothing an end user's token can read or
 * hear ever contains a note. fast-check draws random traffic — end users' and agents' messages, notes
 * (each with a unique marker) by agents over REST or socket and by the app server, read receipts,
 * closes that leave tickets, end users trying to write notes — on a fresh app; then every GET route
 * of the OpenAPI document with every id of the run, the socket's read requests, a replay of the
 * whole event log, and every frame the end users' sockets heard live are searched for any marker.
 * The agents' sockets must have heard the notes of their chats, so the search can fail.
 */
export interface NotesOptions {
  store: StoreKind;
  seed: number;
  runs?: number;
  timeLimitMs?: number;
}

export interface NotesResult {
  runs: number;
  steps: number;
  notes: number;
  /** Reads and frames searched, over every run. */
  searched: number;
  refusedNotes: number;
  failure?: string;
}

type Step =
  | { kind: 'say'; who: 'user' | 'agent'; index: number }
  | { kind: 'note'; by: 'agent' | 'agentSocket' | 'app'; index: number }
  | { kind: 'userNote'; via: 'rest' | 'socket'; index: number }
  | { kind: 'readNote'; index: number }
  | { kind: 'readLast'; index: number }
  | { kind: 'close'; index: number };

// Notes first: fast-check leans to the first arbitrary of a oneof on small sizes.
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('note' as const),
      by: fc.constantFrom('agent', 'agentSocket', 'app'),
      index: fc.nat(3),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('say' as const),
      who: fc.constantFrom('user', 'agent'),
      index: fc.nat(3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('userNote' as const),
      via: fc.constantFrom('rest', 'socket'),
      index: fc.nat(3),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('readNote' as const), index: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('readLast' as const), index: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), index: fc.nat(3) }) },
);

/** One conversation: an end user and an agent, each with a live socket, in a chat. */
interface Pair {
  user: Person;
  agent: Person;
  userWs: Client;
  agentWs: Client;
  chatId: string;
  lastVisible?: string;
  lastNote?: string;
}

export async function runNotesProperty(options: NotesOptions): Promise<NotesResult> {
  const server = await startServer(
    options.store,
    {},
    { realtime: { rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } } },
  );
  const result: NotesResult = { runs: 0, steps: 0, notes: 0, searched: 0, refusedNotes: 0 };
  // Keeps the event loop alive while a failed run winds down (a CLI has nothing else holding it).
  const hold = setInterval(() => undefined, 1000);
  try {
    // One app and two agents for every run (making them is the slow part); each run's conversations,
    // end users and markers are its own.
    const app = await createTestApp(server, 'Notes');
    await expect(server, 200, 'PUT', '/v1/settings', app.asApp, { assign: { onCreate: false } });
    const agents = [
      await createAgent(server, app, { maxChats: 1000 }),
      await createAgent(server, app, { maxChats: 1000 }),
    ];
    const property = fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 24 }), async (steps) => {
      result.runs++;
      await runTraffic(server, app, agents, steps, result);
    });
    const details = await fc.check(property, {
      seed: options.seed,
      numRuns: options.runs ?? Number.MAX_SAFE_INTEGER,
      ...(options.timeLimitMs !== undefined ? { interruptAfterTimeLimit: options.timeLimitMs } : {}),
      markInterruptAsFailure: false,
      endOnFailure: true,
    });
    if (details.failed) {
      const error = details.errorInstance;
      result.failure = `${error instanceof Error ? error.message : String(error)}\n  counterexample: ${JSON.stringify(details.counterexample)}`;
    }
  } finally {
    await server.close();
    clearInterval(hold);
  }
  return result;
}

async function runTraffic(
  server: TestServer,
  app: TestApp,
  agents: Person[],
  steps: Step[],
  result: NotesResult,
): Promise<void> {
  // `open`: the two conversations traffic goes to; `all`: every one of the run (closed ones too).
  const open: Pair[] = [];
  const all: Pair[] = [];
  const markers: string[] = [];
  const ids = new Set<string>();
  const fresh = async () => {
    const pair = await newPair(server, app, agents[all.length % 2]!, ids);
    all.push(pair);
    return pair;
  };
  try {
    for (let i = 0; i < 2; i++) open.push(await fresh());
    for (const s of steps) {
      result.steps++;
      const pair = open[s.index % open.length]!;
      await runStep(server, app, pair, s, markers, ids, result);
      if (s.kind === 'close') open[s.index % open.length] = await fresh();
    }
    // A last visible message through each open chat: every frame sent before it has arrived.
    for (const pair of open) {
      const text = `flush-${Math.random().toString(36).slice(2)}`;
      await expect(server, 201, 'POST', `/v1/chats/${pair.chatId}/messages`, app.as(pair.agent.token), {
        message: text,
      });
      await until(pair.userWs, text);
      await until(pair.agentWs, text);
      // The agent heard the chat's last note: the search below is for something that exists.
      const heard = pair.agentWs.received.map((f) => JSON.stringify(f));
      if (pair.lastNote && leaksOf(heard, [pair.lastNote]).length === 0)
        throw new FuzzFailure(`the agent never heard the note ${pair.lastNote}`);
    }
    for (const pair of all) {
      const heard = pair.userWs.received.map((f) => JSON.stringify(f));
      const leaks = leaksOf(heard, markers);
      result.searched += heard.length;
      if (leaks.length > 0) throw new FuzzFailure(`an end user's socket heard a note: ${leaks[0]}`);
    }
    for (const pair of all) {
      const view = await endUserView(server, app, pair.user, [...ids]);
      const seen = [...view.reads, ...view.frames];
      result.searched += seen.length;
      const leaks = leaksOf(seen, markers);
      if (leaks.length > 0) throw new FuzzFailure(`an end user reached a note: ${leaks[0]}`);
    }
  } finally {
    await Promise.allSettled(all.flatMap((p) => [p.userWs.close(), p.agentWs.close()]));
  }
}

async function runStep(
  server: TestServer,
  app: TestApp,
  pair: Pair,
  s: Step,
  markers: string[],
  ids: Set<string>,
  result: NotesResult,
): Promise<void> {
  const path = `/v1/chats/${pair.chatId}/messages`;
  const marker = () => {
    const text = `NOTE${markers.length}x${Math.random().toString(36).slice(2, 10)}`;
    markers.push(text);
    return text;
  };
  switch (s.kind) {
    case 'say': {
      const token = s.who === 'user' ? pair.user.token : pair.agent.token;
      const sent = await expect(server, 201, 'POST', path, app.as(token), { message: `said ${s.index}` });
      pair.lastVisible = sent.message.id;
      return;
    }
    case 'note': {
      const text = marker();
      let id: string;
      if (s.by === 'agentSocket') {
        const ack = await answer(pair.agentWs, 'messages:new', {
          chatId: pair.chatId,
          message: text,
          visibility: 'agents',
        });
        if (ack.error) throw new FuzzFailure(`an agent's note over the socket: ${JSON.stringify(ack)}`);
        id = ack.data.message.id;
      } else {
        const headers = s.by === 'app' ? app.asApp : app.as(pair.agent.token);
        id = (await expect(server, 201, 'POST', path, headers, { message: text, visibility: 'agents' }))
          .message.id;
      }
      result.notes++;
      pair.lastNote = text;
      ids.add(id);
      return;
    }
    case 'userNote': {
      const text = marker();
      if (s.via === 'rest')
        await expect(server, 403, 'POST', path, app.as(pair.user.token), {
          message: text,
          visibility: 'agents',
        });
      else {
        const ack = await answer(pair.userWs, 'messages:new', {
          chatId: pair.chatId,
          message: text,
          visibility: 'agents',
        });
        if (ack.error?.code !== 403)
          throw new FuzzFailure(`an end user's note over the socket: ${JSON.stringify(ack)}`);
      }
      result.refusedNotes++;
      return;
    }
    case 'readNote': {
      const notes = await expect(server, 200, 'GET', path, app.as(pair.agent.token), undefined);
      const note = (notes.messages as Json[])
        .filter((m) => m.visibility === 'agents' && m.sender !== pair.agent.id)
        .at(-1);
      if (note)
        await expect(server, 200, 'PUT', `/v1/messages/${note.id}/read`, app.as(pair.agent.token), undefined);
      const own = (notes.messages as Json[]).filter((m) => m.visibility === 'agents').at(-1);
      // The end user may not read a note (it does not exist for them).
      if (own)
        await expect(server, 404, 'PUT', `/v1/messages/${own.id}/read`, app.as(pair.user.token), undefined);
      return;
    }
    case 'readLast':
      if (pair.lastVisible)
        await expect(
          server,
          200,
          'PUT',
          `/v1/messages/${pair.lastVisible}/read`,
          app.as(pair.user.token),
          undefined,
        );
      return;
    case 'close': {
      await expect(server, 200, 'DELETE', `/v1/chats/${pair.chatId}`, app.as(pair.agent.token), undefined);
      const tickets = await expect(
        server,
        200,
        'GET',
        `/v1/tickets?externalId=${pair.chatId}`,
        app.asApp,
        undefined,
      );
      for (const ticket of tickets.tickets as Json[]) ids.add(ticket.id);
      await Promise.allSettled([pair.userWs.close(), pair.agentWs.close()]);
      return;
    }
  }
}

async function newPair(server: TestServer, app: TestApp, agent: Person, ids: Set<string>): Promise<Pair> {
  const user = await createUser(server, app);
  const chat = await expect(server, 201, 'POST', '/v1/chats', app.as(user.token), {});
  const chatId = chat.chat.id as string;
  await expect(server, 200, 'POST', `/v1/chats/${chatId}/join`, app.as(agent.token), undefined);
  for (const id of [user.id, agent.id, chatId]) ids.add(id);
  return {
    user,
    agent,
    chatId,
    userWs: await connect(server, app, { token: user.token }),
    agentWs: await connect(server, app, { token: agent.token }),
  };
}

async function expect(
  server: TestServer,
  status: number,
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Json | undefined,
): Promise<Json> {
  const res = await server.request(method, url, { headers, ...(body !== undefined ? { body } : {}) });
  if (res.status !== status)
    throw new FuzzFailure(
      `${method} ${url} answered ${res.status} (expected ${status}): ${res.text.slice(0, 300)}`,
    );
  return res.body;
}

/** Sends a request and reads the socket's frames up to its ack (events before it stay in `received`). */
async function answer(client: Client, event: string, data: Json): Promise<Json> {
  const id = client.request(event, data);
  for (;;) {
    const frame = await client.next(5000, `the ack of ${event}`);
    if (frame.ack === id) return frame;
  }
}

/** Waits for the `messages:new` frame carrying `text` on `client`. */
async function until(client: Client, text: string): Promise<void> {
  for (;;) {
    const frame = await client.next(5000, `the message ${text}`);
    if (frame.event === 'messages:new' && frame.data.message.message === text) return;
  }
}
