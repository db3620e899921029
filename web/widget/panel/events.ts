import type { RealtimeConnection as Realtime } from '@switchboard/sdk';
import type { VisitorChat } from './chat.ts';
import type { Message, User } from './types.ts';

/** The realtime events a visitor hears (docs/webhooks.md), and what each does to the view. */
const TRIGGERS = [
  'messages:new',
  'messages:read',
  'users:activity',
  'queues:update',
  'chats:join',
  'chats:leave',
  'chats:close',
  'forever:alone',
] as const;

type Data = Record<string, unknown>;

export function bindEvents(chat: VisitorChat, realtime: Realtime): void {
  for (const name of TRIGGERS) {
    realtime.on(name, (data, meta) => chat.onEvent(name, data as unknown as Data, meta.cursor));
  }
  realtime.on('connected', () => chat.patch({ offline: false }));
  realtime.on('disconnected', () => chat.patch({ offline: true }));
  // Too long away to replay: the store has the truth, read it again.
  realtime.on('resync-required', () => {
    if (chat.chatId)
      void chat.allMessages().then((all) => {
        for (const message of all) chat.addMessage(message, undefined, true);
      });
  });
}

export function handleEvent(chat: VisitorChat, name: string, data: Data): void {
  const chatId = (data.chatId as string | undefined) ?? (data.message as Message | undefined)?.chat;
  if (!chatId || chatId !== chat.chatId) return;
  const me = chat.state.me;
  switch (name) {
    case 'messages:new':
      chat.addMessage(data.message as Message);
      return;
    case 'messages:read':
      if (data.userId !== me) chat.patch({ read: { ...chat.state.read, [data.messageId as string]: true } });
      return;
    case 'users:activity':
      if (data.userId === me) return;
      if (data.type === 'writing') typingFrom(chat, data.userId as string);
      else if (data.type === 'not-writing' && chat.state.typing === data.userId) typingFrom(chat, undefined);
      return;
    case 'queues:update': {
      const position = (data.data as { queuePosition?: number | null } | undefined)?.queuePosition ?? null;
      chat.patch({ queuePosition: position, inQueue: position !== null });
      return;
    }
    case 'chats:join':
      void agentJoined(chat, data.userId as string).catch(() => undefined);
      return;
    case 'chats:leave': {
      if (data.userId === me) return;
      const agents = { ...chat.state.agents };
      delete agents[data.userId as string];
      // The last agent gone (a transfer to the queue): the chat waits again.
      const phase =
        Object.keys(agents).length === 0 && chat.state.phase === 'active' ? 'waiting' : chat.state.phase;
      chat.patch({
        agents,
        phase,
        typing: chat.state.typing === data.userId ? undefined : chat.state.typing,
      });
      return;
    }
    case 'chats:close':
      if (chat.state.phase === 'closed' || chat.state.phase === 'left') return;
      chat.patch({ phase: 'closed', alone: false, typing: undefined, agents: {} });
      chat.emit('chat:ended', { chatId });
      return;
    case 'forever:alone':
      chat.patch({ alone: true, inQueue: false, queuePosition: null });
      return;
  }
}

async function agentJoined(chat: VisitorChat, userId: string): Promise<void> {
  if (userId === chat.state.me) return;
  const phase = chat.state.phase === 'waiting' ? 'active' : chat.state.phase;
  chat.patch({ phase, alone: false, inQueue: false });
  let name = chat.state.names[userId];
  if (!name) {
    const { user } = await chat.need().request<{ user: User }>('GET', `/users/${userId}`);
    name = user.nickname || user.name || 'Agent';
  }
  chat.patch({
    agents: { ...chat.state.agents, [userId]: name },
    names: { ...chat.state.names, [userId]: name },
  });
}

const typingClears = new WeakMap<VisitorChat, ReturnType<typeof setTimeout>>();

function typingFrom(chat: VisitorChat, userId: string | undefined): void {
  clearTimeout(typingClears.get(chat));
  chat.patch({ typing: userId });
  // The server turns a stale `writing` into `not-writing` after 10 s; this is only a safety net.
  if (userId)
    typingClears.set(
      chat,
      setTimeout(() => chat.patch({ typing: undefined }), 12_000),
    );
}
