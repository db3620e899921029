import { chatFor, isParticipant, requireOpen } from '../chats/access.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { armTypingTimeout } from '../realtime/typing.ts';
import { forbidden } from '../util/errors.ts';
import { requireUser } from './users.ts';

export type TypingType = 'writing' | 'not-writing';

/** POST /users/{id}/activity — typing in a chat the user takes part in; fires `users:activity`. */
export async function reportActivity(
  ctx: Ctx,
  actor: Actor,
  userId: string,
  input: { chatId: string; type: TypingType },
): Promise<void> {
  if (actor.user && actor.user.id !== userId) throw forbidden('You may only report your own activity');
  await requireUser(ctx, actor.app, userId);
  const chat = await chatFor(ctx, actor, input.chatId, 'view');
  if (!isParticipant(chat, userId)) throw forbidden('The user is not in this chat');
  requireOpen(chat);
  await commitChange(ctx, actor.app.id, async (tx, emit) => {
    await emit({
      trigger: 'users:activity',
      chatId: input.chatId,
      data: { chatId: input.chatId, userId, type: input.type },
    });
    await armTypingTimeout(tx, actor.app, input.chatId, userId, input.type);
  });
}
