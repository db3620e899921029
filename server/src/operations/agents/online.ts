import { Type } from '@sinclair/typebox';
import { agentsOnline } from '../../users/agents.ts';
import { RoomId } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/agents/online',
  auth: ['secret', 'public', 'token'],
  caller: 'app',
  tags: ['agents'],
  summary: 'Whether any agent is online (in a room)',
  query: Type.Object({ roomId: Type.Optional(RoomId) }, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ agentsOnline: Type.Boolean() }),
  run: async (ctx, app, { query }) => ({ agentsOnline: await agentsOnline(ctx, app, query.roomId) }),
});
