import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { App } from '../src/apps/apps.ts';
import { defaultSettings } from '../src/apps/settings.ts';
import { statusOf } from '../src/http/status.ts';
import type { Actor } from '../src/policies/actor.ts';
import {
  chatListScope,
  type LoadedChat,
  mayOnChat,
  requireChatOpener,
  requireJoinAsker,
  requireJoiner,
  requireOnChat,
  searchesNotes,
} from '../src/policies/chats.ts';
import { messageReader, messageSender } from '../src/policies/messages.ts';
import {
  mayListWatchers,
  requireSupervisorOf,
  requireWatchStopper,
  supervisingUserId,
} from '../src/policies/supervision.ts';
import {
  agentToLogOut,
  mayViewUser,
  requireAgentEditor,
  requireProfileEditor,
} from '../src/policies/users.ts';
import type { ChatRow, UserRow } from '../src/store/schema.ts';
import { DomainError } from '../src/util/errors.ts';

/** The named policies (src/policies/) on their own: the same answers the commands gave inline. */
const app: App = {
  id: 'app',
  name: 'App',
  domains: [],
  settings: defaultSettings(),
  secretHash: '',
  previousSecret: null,
  domainKeyHash: '',
  created: 0,
};

function user(id: string, role: 'user' | 'agent', rooms: number[] = []): UserRow {
  return {
    id,
    appId: app.id,
    role,
    name: id,
    nickname: null,
    contact: null,
    externalId: null,
    extraInfo: '{}',
    providerId: null,
    passwordHash: null,
    status: role === 'agent' ? 'online' : null,
    rooms: role === 'agent' ? JSON.stringify(rooms) : null,
    offRooms: '[]',
    langs: null,
    maxChats: null,
    activeChats: 0,
    lastInvited: 0,
    active: 1,
    agentRole: role === 'agent' ? 'agent' : null,
    created: 0,
    erased: null,
  };
}

function chat(creator: string, users: string[], room = 1): LoadedChat {
  const row: ChatRow = {
    id: 'c1',
    appId: app.id,
    creator,
    room,
    lang: 'en',
    source: 3,
    externalId: null,
    status: 'active',
    inQueue: 0,
    priority: 0,
    lastSeq: 0,
    lastActivity: 0,
    created: 0,
    closed: null,
    closedBy: null,
    ticketId: null,
    queuePosition: null,
    tags: '[]',
    watchers: 0,
    rating: null,
    erased: null,
  };
  return { row, users };
}

const as = (row: UserRow | null): Actor => ({ app, user: row });
const server = as(null);
const ann = user('ann', 'user');
const bob = user('bob', 'user');
const ada = user('ada', 'agent', [1]);
const eve = user('eve', 'agent', [2]);

function status(run: () => unknown): number | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return statusOf(error);
    throw error;
  }
}

describe('policies', () => {
  const talk = chat('ann', ['ann', 'ada']);

  it('chats: the app may do anything; participants, the creator and the room’s agents may look', () => {
    assert.equal(mayOnChat(server, talk, 'creator'), true);
    assert.equal(mayOnChat(as(ann), talk, 'creator'), true);
    assert.equal(mayOnChat(as(ada), talk, 'agentInChat'), true);
    assert.equal(mayOnChat(as(ann), talk, 'agentInChat'), false);
    assert.equal(mayOnChat(as(eve), talk, 'view'), false);
    assert.equal(mayOnChat(as(user('ari', 'agent', [1])), talk, 'view'), true, 'an agent of the room');
    assert.equal(
      status(() => requireOnChat(as(bob), talk, 'view')),
      404,
      'a stranger does not see it',
    );
    assert.equal(
      status(() => requireOnChat(as(ann), talk, 'agentInChat')),
      403,
      'may look, not act',
    );
  });

  it('chat lists (docs/search.md): the app all, end users their own, agents what they served and their queue, supervisors their rooms', () => {
    assert.deepEqual(chatListScope(server), { kind: 'all' });
    assert.deepEqual(chatListScope(as(ann)), { kind: 'user', userId: 'ann' });
    assert.deepEqual(chatListScope(as(ada)), { kind: 'staff', userId: 'ada', openRooms: [1], allRooms: [] });
    const sue = { ...user('sue', 'agent', [2, 3]), agentRole: 'supervisor' as const };
    assert.deepEqual(chatListScope(as(sue)), {
      kind: 'staff',
      userId: 'sue',
      openRooms: [],
      allRooms: [2, 3],
    });
    // Notes are searched for staff and the app, never for an end user.
    assert.equal(searchesNotes(server), true);
    assert.equal(searchesNotes(as(ada)), true);
    assert.equal(searchesNotes(as(sue)), true);
    assert.equal(searchesNotes(as(ann)), false);
  });

  it('chats: only end users open chats, for themselves; only agents of the room join', () => {
    assert.equal(
      status(() => requireChatOpener(ada, undefined)),
      403,
    );
    assert.equal(
      status(() => requireChatOpener(ann, 'bob')),
      403,
    );
    assert.equal(
      status(() => requireChatOpener(ann, 'ann')),
      'ok',
    );
    assert.equal(
      status(() => requireJoinAsker(as(eve), talk)),
      'ok',
      'an agent of another room hears 403 later',
    );
    assert.equal(
      status(() => requireJoinAsker(as(bob), talk)),
      404,
    );
    assert.equal(
      status(() => requireJoiner(eve, talk)),
      403,
    );
    assert.equal(
      status(() => requireJoiner(bob, talk)),
      403,
    );
    assert.equal(
      status(() => requireJoiner(user('ari', 'agent', [1]), talk)),
      'ok',
    );
  });

  it('messages: a token sends and reads as itself; the app names a participant or system', () => {
    assert.deepEqual(messageSender(as(ann), talk, {}), { sender: 'ann', type: 'text' });
    assert.deepEqual(messageSender(server, talk, {}), { sender: 'system', type: 'system' });
    assert.equal(
      status(() => messageSender(as(ann), talk, { sender: 'ada' })),
      403,
    );
    assert.equal(
      status(() => messageSender(as(ann), talk, { type: 'system' })),
      403,
    );
    assert.equal(
      status(() => messageSender(server, talk, { sender: 'bob' })),
      403,
    );
    assert.equal(
      status(() => messageSender(as(bob), talk, {})),
      404,
    );
    assert.equal(messageReader(server, talk, 'ada'), 'ada');
    assert.equal(
      status(() => messageReader(server, talk, undefined)),
      400,
    );
    assert.equal(
      status(() => messageReader(as(ann), talk, 'ada')),
      403,
    );
  });

  it('users and agents: own profile only, agents through /agents, and only some fields', async () => {
    assert.equal(
      status(() => requireProfileEditor(as(ann), bob)),
      403,
    );
    assert.equal(
      status(() => requireProfileEditor(as(ada), ada)),
      403,
    );
    assert.equal(
      status(() => requireProfileEditor(server, ada)),
      'ok',
    );
    assert.equal(
      status(() => requireAgentEditor(as(ada), ada, ['nickname', 'status'])),
      'ok',
    );
    assert.equal(
      status(() => requireAgentEditor(as(ada), ada, ['rooms'])),
      403,
    );
    assert.equal(
      status(() => requireAgentEditor(as(ada), eve, ['nickname'])),
      403,
    );
    assert.equal(agentToLogOut(as(ada), undefined), 'ada');
    assert.equal(
      status(() => agentToLogOut(server, undefined)),
      400,
    );
    const none = { shareAChat: async () => false, openedChatIn: async () => false };
    assert.equal(await mayViewUser(ann, bob, none), false);
    assert.equal(await mayViewUser(ada, eve, none), true, 'agents see agents');
    assert.equal(await mayViewUser(ann, bob, { ...none, shareAChat: async () => true }), true);
    assert.equal(
      await mayViewUser(ada, ann, { ...none, openedChatIn: async (rooms) => rooms.includes(1) }),
      true,
    );
  });

  it('supervision: supervisors of the room and the app watch and intervene; a watcher whispers notes only', () => {
    const sue = { ...user('sue', 'agent', [1]), agentRole: 'supervisor' as const };
    const sam = { ...user('sam', 'agent', [2]), agentRole: 'supervisor' as const };
    assert.equal(
      status(() => requireSupervisorOf(as(sue), talk)),
      'ok',
    );
    assert.equal(
      status(() => requireSupervisorOf(server, talk)),
      'ok',
    );
    assert.equal(
      status(() => requireSupervisorOf(as(ada), talk)),
      403,
      'an agent of the room',
    );
    assert.equal(
      status(() => requireSupervisorOf(as(ann), talk)),
      403,
      'its end user',
    );
    assert.equal(
      status(() => requireSupervisorOf(as(sam), talk)),
      404,
      'a supervisor of another room',
    );
    assert.equal(
      status(() => requireSupervisorOf(as(eve), talk)),
      404,
      'an agent of another room',
    );
    assert.equal(
      status(() => supervisingUserId(server, undefined)),
      400,
      'the app names the watcher',
    );
    assert.equal(
      status(() => supervisingUserId(as(sue), 'ada')),
      403,
      'a token watches as itself',
    );
    assert.equal(supervisingUserId(as(sue), undefined), 'sue');
    assert.equal(
      status(() => requireWatchStopper(as(sue), talk, 'sue')),
      'ok',
    );
    assert.equal(
      status(() => requireWatchStopper(as(ada), talk, 'sue')),
      403,
    );
    assert.equal(
      status(() => requireWatchStopper(as(ann), talk, 'ann')),
      403,
    );
    assert.equal(mayListWatchers(as(ann)), false);
    assert.equal(mayListWatchers(as(ada)), true);
    const note = { visibility: 'agents' as const };
    assert.equal(
      status(() => messageSender(as(sue), talk, note)),
      403,
      'not watching: no whisper',
    );
    assert.equal(messageSender(as(sue), talk, note, ['sue']).sender, 'sue');
    assert.equal(
      status(() => messageSender(as(sue), talk, {}, ['sue'])),
      403,
      'notes only',
    );
    assert.equal(messageSender(server, talk, { ...note, sender: 'sue' }, ['sue']).sender, 'sue');
  });
});
