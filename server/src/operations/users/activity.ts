import { reportActivity } from '../../presence/activity.ts';
import { IdParams, Success } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { ActivityBody } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/users/:id/activity',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['users'],
  summary: 'Report typing in a chat (fires users:activity)',
  params: IdParams,
  body: ActivityBody,
  status: 200,
  response: Success,
  errors: [400, 401, 403, 404, 409],
  // The id defaults to the token's own user.
  realtime: { name: 'users:activity', params: { id: 'userId' }, self: 'userId' },
  run: async (ctx, actor, { params, body }) => {
    await reportActivity(ctx, actor, params.id, body);
    return { success: true as const };
  },
});
