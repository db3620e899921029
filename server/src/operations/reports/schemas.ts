import { Type } from '@sinclair/typebox';
import { int } from '../../limits/ranges.ts';
import { Id, RoomId } from '../../wire/fields.ts';

export const tags = ['reports'];

/** `from`/`to`: Unix seconds, `to` excluded (default: the 30 days before now); 400 days at most. */
export const RangeQuery = {
  from: Type.Optional(int('seconds', { description: 'Unix seconds, included (default: 30 days before to)' })),
  to: Type.Optional(int('seconds', { description: 'Unix seconds, excluded (default: now)' })),
};

export const ChatsReportQuery = Type.Object(
  {
    ...RangeQuery,
    interval: Type.Optional(
      Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week')], { default: 'day' }),
    ),
    tz: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'IANA time zone of the buckets (default UTC)',
      }),
    ),
    room: Type.Optional(RoomId),
    agent: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const AgentsReportQuery = Type.Object(
  { ...RangeQuery, room: Type.Optional(RoomId) },
  { additionalProperties: false },
);
