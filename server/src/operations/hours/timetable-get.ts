import { readTimetable } from '../../apps/timetable-store.ts';
import { operation } from '../operation.ts';
import { TimetableResponse } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/settings/work-timetable',
  auth: ['secret', 'public', 'token'],
  caller: 'app',
  tags: ['apps'],
  summary: 'The opening hours: time zone, weekly ranges and holidays per room (queueId = room id)',
  status: 200,
  response: TimetableResponse,
  run: async (ctx, app) => readTimetable(ctx.store.db, app.id),
});
