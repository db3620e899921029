import type { ChatRow, MessageRow } from '../store/schema.ts';

/** The one shape of a chat in responses, events and webhooks (spec section 1). */
export interface ChatView {
  id: string;
  creator: string;
  room: number;
  lang: string;
  source: number;
  externalId?: string;
  status: 'waiting' | 'active' | 'closed';
  inQueue: boolean;
  queuePosition: number | null;
  priority: number;
  users: string[];
  created: number;
  closed?: number;
  closedBy?: string;
  ticketId?: string;
}

export interface MediaRef {
  id: string;
  url: string;
  type: string;
  name: string;
  size: number;
}

export interface MessageView {
  id: string;
  chat: string;
  sender: string;
  type: 'text' | 'media' | 'object' | 'system';
  message: string | MediaRef;
  seq: number;
  created: number;
}

export function presentChat(row: ChatRow, users: string[]): ChatView {
  const view: ChatView = {
    id: row.id,
    creator: row.creator,
    room: row.room,
    lang: row.lang,
    source: row.source,
    status: row.status,
    inQueue: row.inQueue === 1,
    queuePosition: row.inQueue === 1 && row.status === 'waiting' ? row.queuePosition : null,
    priority: row.priority,
    users,
    created: row.created,
  };
  if (row.externalId !== null) view.externalId = row.externalId;
  if (row.closed !== null) view.closed = row.closed;
  if (row.closedBy !== null) view.closedBy = row.closedBy;
  if (row.ticketId !== null) view.ticketId = row.ticketId;
  return view;
}

export function presentMessage(row: MessageRow): MessageView {
  return {
    id: row.id,
    chat: row.chatId,
    sender: row.sender,
    type: row.type,
    message: row.type === 'media' ? (JSON.parse(row.body) as MediaRef) : row.body,
    seq: row.seq,
    created: row.created,
  };
}
