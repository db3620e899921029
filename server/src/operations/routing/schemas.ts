import { Type } from '@sinclair/typebox';
import { Id } from '../../wire/fields.ts';

export const Algorithm = Type.Union([Type.Literal('least-busy'), Type.Literal('round-robin')]);
export const AnswerBody = Type.Object(
  { chatId: Id, userId: Type.Optional(Id) },
  { additionalProperties: false },
);
export const CHANGE_ERRORS = [400, 401, 403, 404, 409];
