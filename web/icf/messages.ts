import type { Client, Message } from '../src/lib/sdk.ts';

/** A message as `message:received` carries it (docs/icf.md): HyperChat's four fields. */
export interface IcfMessage {
  id: string;
  sender: string;
  type: Message['type'];
  message: Message['message'];
}

export function icfMessage(message: Message): IcfMessage {
  return { id: message.id, sender: message.sender, type: message.type, message: message.message };
}

/** Every message of a chat after `afterSeq`, oldest first (all pages). */
export async function messagesAfter(client: Client, chatId: string, afterSeq: number): Promise<Message[]> {
  const all: Message[] = [];
  let after = afterSeq;
  for (;;) {
    const page = await client.chats.messages(chatId, after > 0 ? { after, limit: 200 } : { limit: 200 });
    all.push(...page.messages);
    const last = page.messages.at(-1);
    if (page.next === null || !last) return all;
    after = last.seq;
  }
}
