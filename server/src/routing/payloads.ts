import { Type } from '@sinclair/typebox';
import { jsonColumn } from '../store/json.ts';

/** The JSON columns routing reads: timer payloads and a loop's invited list, checked once here. */
export const jumpPayload = jsonColumn(
  'jump timer payload',
  Type.Object({ loopId: Type.Optional(Type.String()) }),
);
export const queuePayload = jsonColumn('queue timer payload', Type.Object({ room: Type.Integer() }));
export const invitedList = jsonColumn('assignments.invited', Type.Array(Type.String()));
