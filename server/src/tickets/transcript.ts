import { Type } from '@sinclair/typebox';
import { jsonColumn } from '../store/json.ts';

const MediaRef = Type.Object({
  id: Type.String(),
  url: Type.String(),
  type: Type.String(),
  name: Type.String(),
  size: Type.Number(),
});

/** `tickets.transcript`: the chat's messages as presented when it closed, checked when read back. */
export const decodeTranscript = jsonColumn(
  'tickets.transcript',
  Type.Array(
    Type.Object({
      id: Type.String(),
      chat: Type.String(),
      sender: Type.String(),
      type: Type.Union([
        Type.Literal('text'),
        Type.Literal('media'),
        Type.Literal('object'),
        Type.Literal('system'),
      ]),
      message: Type.Union([Type.String(), MediaRef]),
      seq: Type.Number(),
      created: Type.Number(),
    }),
  ),
);
