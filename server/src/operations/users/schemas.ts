import { Type } from '@sinclair/typebox';
import { ExtraInfo, Id, Text } from '../../wire/fields.ts';

export const UserBody = Type.Object(
  {
    name: Type.Optional(Text(200)),
    contact: Type.Optional(Text(320)),
    externalId: Type.Optional(Text(200)),
    extraInfo: Type.Optional(ExtraInfo),
  },
  { additionalProperties: false },
);

export const ActivityBody = Type.Object(
  { chatId: Id, type: Type.Union([Type.Literal('writing'), Type.Literal('not-writing')]) },
  { additionalProperties: false },
);
