import { Type } from '@sinclair/typebox';
import { roomStatus } from '../../apps/opening-hours.ts';
import { readTimetable } from '../../apps/timetable-store.ts';
import { invalidField } from '../../util/errors.ts';
import { integers } from '../agents/schemas.ts';
import { operation } from '../operation.ts';
import { RoomStatus } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/rooms/status',
  auth: ['secret', 'public', 'token'],
  caller: 'app',
  tags: ['apps'],
  summary: 'Whether each room is open now, when it closes and when it next opens (all rooms by default)',
  query: Type.Object(
    { roomIds: Type.Optional(Type.String({ maxLength: 2000 })) },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ rooms: Type.Record(Type.String(), RoomStatus) }),
  run: async (ctx, app, { query }) => {
    const known = app.settings.rooms.map((room) => room.id);
    const ids = integers('roomIds', query.roomIds) ?? known;
    for (const id of ids) if (!known.includes(id)) throw invalidField('roomIds', `unknown room ${id}`);
    const timetable = await readTimetable(ctx.store.db, app.id);
    const now = Date.now();
    return { rooms: Object.fromEntries(ids.map((id) => [String(id), roomStatus(timetable, id, now)])) };
  },
});
