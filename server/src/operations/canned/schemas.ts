import { Type } from '@sinclair/typebox';
import { MAX_MESSAGE_LENGTH } from '../../chats/messages.ts';
import { CannedResponse } from '../../wire/canned.ts';
import { RoomId } from '../../wire/fields.ts';

export const tags = ['canned'];

/** What an agent types after `/`: lower-case letters, digits, `-` and `_`, starting with a letter or digit. */
export const Shortcut = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: '^[a-z0-9][a-z0-9_-]*$',
  description: 'a-z, 0-9, - and _, starting with a letter or digit; unique per owner',
});
export const Title = Type.String({ minLength: 1, maxLength: 200 });
/** At most a message's length: the text, filled in, becomes one. */
export const CannedText = Type.String({
  minLength: 1,
  maxLength: MAX_MESSAGE_LENGTH,
  description: 'may hold {{visitor.name}}, {{agent.name}} and {{agent.nickname}}',
});
export const CannedRooms = Type.Array(RoomId, {
  maxItems: 1000,
  description: 'the rooms it is for; absent or [] = every room',
});
export const CannedAnswer = Type.Object({ canned: CannedResponse });
