import type { Settings } from '../apps/settings.ts';
import { decodeStrings } from '../store/json.ts';
import type { ChatRow } from '../store/schema.ts';
import { conflict, invalidField } from '../util/errors.ts';
import type { Actor } from './actor.ts';

/** The chat-tag rules of the settings `tags: {allowed, requiredOnClose}` (docs/web.md, "Tags"). */

/** Every tag must be one of `tags.allowed`, when the app lists them (null: any tag). */
export function requireAllowedTags(settings: Settings, tags: readonly string[]): void {
  const allowed = settings.tags.allowed;
  if (allowed === null) return;
  tags.forEach((tag, i) => {
    if (!allowed.includes(tag)) throw invalidField(`tags.${i}`, `“${tag}” is not an allowed tag`);
  });
}

/**
 * A chat closed by the app server or an agent needs a tag when `tags.requiredOnClose`. Its end user
 * closing it, leaving, and the timers (inactivity, reconnect grace) are never refused: the visitor
 * cannot tag, and a chat nobody is left in must still end.
 */
export function requireTagsToClose(actor: Actor, settings: Settings, chat: ChatRow): void {
  if (!settings.tags.requiredOnClose) return;
  if (actor.user !== null && actor.user.role !== 'agent') return;
  if (decodeStrings(chat.tags).length > 0) return;
  throw conflict('Add at least one tag before closing this chat: this app requires a tag on every chat', [
    { field: 'tags', message: 'at least one tag is required to close the chat' },
  ]);
}
