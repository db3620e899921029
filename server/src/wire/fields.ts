import { Type } from '@sinclair/typebox';
import { int } from '../limits/ranges.ts';

/** The small pieces requests and responses are made of (ids, texts, paging), for validation and OpenAPI. */

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z_-]+$' });
export const Text = (max = 1000) => Type.String({ minLength: 1, maxLength: max });
export const RoomId = int('roomId');
export const Lang = Type.String({ minLength: 1, maxLength: 35 });
export const ExtraInfo = Type.Record(Type.String(), Type.Unknown(), { maxProperties: 200 });

export const IdParams = Type.Object({ id: Id });
export const Paging = {
  limit: Type.Optional(int('limit', { default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

export const Success = Type.Object({ success: Type.Literal(true) });
/** The cursor of the next page, or null on the last one. */
export const Next = Type.Union([Type.String(), Type.Null()]);
