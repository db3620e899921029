import { loadChat } from '../chats/access.ts';
import { hearersOf } from '../chats/watchers.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { isParticipant, requireOnChat, requireOpen } from '../policies/chats.ts';
import { requireOwnActivity } from '../policies/users.ts';
import { requireUser } from '../users/users.ts';
import { forbidden } from '../util/errors.ts';
import { armTypingTimeout } from './typing.ts';

export type TypingType = 'writing' | 'not-writing';

/** POST /users/{id}/activity — typing in a chat the user takes part in; fires `users:activity`. */
export async function reportActivity(
  ctx: Ctx,
  actor: Actor,
  userId: string,
  input: { chatId: string; type: TypingType },
): Promise<void> {
  requireOwnActivity(actor, userId);
  await commitChange(ctx, actor.app.id, async (tx, emit) => {
    await requireUser(tx, actor.app.id, userId);
    // Typing changes no chat row, so the chat is read (not locked) in the transaction.
    const chat = await loadChat(tx, actor.app.id, input.chatId);
    requireOnChat(actor, chat, 'view');
    if (!isParticipant(chat, userId)) throw forbidden('The user is not in this chat');
    requireOpen(chat);
    await emit(
      {
        trigger: 'users:activity',
        chatId: input.chatId,
        data: { chatId: input.chatId, userId, type: input.type },
      },
      await hearersOf(tx, chat),
    );
    await armTypingTimeout(tx, actor.app, input.chatId, userId, input.type);
  });
}
