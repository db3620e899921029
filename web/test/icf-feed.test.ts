/**
 * How icf.sdk.js turns the server's realtime events into HyperChat's (docs/icf.md, "Events"), on the
 * real ChatFeed and IcfChat with a scripted socket: the events a browser test cannot yet provoke
 * (`chats:intervened` comes with the supervisors' intervention) and the orderings a real server makes
 * rare (an own message's event before its ack).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IcfChat } from '../icf/chat.ts';
import { ChatFeed } from '../icf/chat-feed.ts';
import type { ChatHost, Signed } from '../icf/context.ts';
import type { Chat, Message, Realtime, User } from '../src/lib/sdk.ts';

function user(id: string, role: User['role'], name: string): User {
  return { id, name, role, extraInfo: {}, chats: [], created: 1 };
}

const me = user('u1', 'user', 'Cora');
const ann = user('a1', 'agent', 'Ann');
const sue = user('s1', 'supervisor', 'Sue');
const people = new Map([me, ann, sue].map((u) => [u.id, u]));

/** A socket whose events the test fires and whose requests it answers. */
class ScriptedSocket {
  readonly handlers = new Map<string, Array<(data: unknown) => void>>();
  readonly requests: Array<{ name: string; data: Record<string, unknown> }> = [];
  answer: (name: string, data: Record<string, unknown>) => Promise<unknown> = async () => ({});

  on(name: string, fn: (data: unknown) => void): this {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), fn]);
    return this;
  }

  off(): this {
    return this;
  }

  request(name: string, data: Record<string, unknown>): Promise<unknown> {
    this.requests.push({ name, data });
    return this.answer(name, data);
  }

  fire(name: string, data: unknown): void {
    for (const fn of this.handlers.get(name) ?? []) fn(data);
  }
}

function message(id: string, sender: string, seq: number, text = 'hi'): Message {
  return { id, chat: 'c1', sender, type: 'text', message: text, seq, created: 1 };
}

function setup() {
  const socket = new ScriptedSocket();
  const realtime = socket as unknown as Realtime;
  const signed = { realtime, me, token: 't', client: {} } as unknown as Signed;
  const host: ChatHost = {
    signed,
    user: async (id) => {
      const found = people.get(id);
      if (!found) throw new Error(`no user ${id}`);
      return found;
    },
    remember: () => {},
    forget: () => {},
  };
  const wire: Chat = {
    id: 'c1',
    creator: me.id,
    room: 1,
    lang: 'en',
    source: 3,
    status: 'active',
    inQueue: false,
    queuePosition: null,
    priority: 0,
    users: [me.id, ann.id],
    created: 1,
    tags: [],
  };
  const chat = new IcfChat(host, wire, [me, ann], [message('m0', ann.id, 1)], 1);
  new ChatFeed(
    realtime,
    (id) => (id === chat.id ? chat : undefined),
    () => [chat.id],
  );
  const heard: Array<{ name: string; data: unknown }> = [];
  for (const name of ['message:received', 'message:read', 'chat:intervened', 'user:joined', 'user:left']) {
    chat.on(name, (data: never) => heard.push({ name, data }));
  }
  return { socket, chat, heard };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

test('chats:intervened → chat:intervened {intervenedUsers: [User], interventor: User}; chat.users follows', async () => {
  const { socket, chat, heard } = setup();
  socket.fire('chats:intervened', { chatId: 'c1', interventor: sue.id, intervenedUsers: [ann.id] });
  await settled();
  assert.deepEqual(heard, [{ name: 'chat:intervened', data: { intervenedUsers: [ann], interventor: sue } }]);
  assert.deepEqual(
    chat.users.map((u) => u.id),
    [me.id, sue.id],
  );
  // Another chat's event reaches nobody here.
  socket.fire('chats:intervened', { chatId: 'other', interventor: sue.id, intervenedUsers: [] });
  await settled();
  assert.equal(heard.length, 1);
});

test('an own message is not echoed back, even when its event comes before its ack', async () => {
  const { socket, chat, heard } = setup();
  let ack: (value: unknown) => void = () => {};
  socket.answer = (name) =>
    name === 'messages:new' ? new Promise((resolve) => (ack = resolve)) : Promise.resolve({});
  const sending = chat.sendMessage('Where is my order?');
  const mine = message('m1', me.id, 2, 'Where is my order?');
  socket.fire('messages:new', { message: mine });
  await settled();
  ack({ message: mine });
  const result = await sending;
  assert.equal(result.message.id, 'm1');
  assert.equal(socket.requests[0]?.data.clientId, result.eventId, 'the eventId is the clientId');
  // The same user's message from another tab does arrive.
  const elsewhere = message('m2', me.id, 3, 'from my phone');
  socket.fire('messages:new', { message: elsewhere });
  await settled();
  assert.deepEqual(heard, [
    {
      name: 'message:received',
      data: { message: { id: 'm2', sender: me.id, type: 'text', message: 'from my phone' } },
    },
  ]);
  // An agent reads the first: message:read with its sender; the user's own reads are not reported.
  socket.fire('messages:read', { messageId: 'm1', chatId: 'c1', userId: ann.id });
  socket.fire('messages:read', { messageId: 'm0', chatId: 'c1', userId: me.id });
  await settled();
  assert.deepEqual(heard.at(-1), { name: 'message:read', data: { message: { id: 'm1', sender: me.id } } });
  assert.equal(heard.length, 2);
});

test("an agent's message is handed on once, in HyperChat's shape, and read", async () => {
  const { socket, heard } = setup();
  const answer = message('m3', ann.id, 2, 'It ships today.');
  socket.fire('messages:new', { message: answer });
  socket.fire('messages:new', { message: answer }); // a replay after a resume
  socket.fire('messages:new', { message: { ...message('n1', ann.id, 3), visibility: 'agents' } });
  await settled();
  assert.deepEqual(heard, [
    {
      name: 'message:received',
      data: { message: { id: 'm3', sender: ann.id, type: 'text', message: 'It ships today.' } },
    },
  ]);
  assert.deepEqual(
    socket.requests.filter((r) => r.name === 'messages:read').map((r) => r.data),
    [{ messageId: 'm3' }],
  );
});
