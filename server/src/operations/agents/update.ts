import { Type } from '@sinclair/typebox';
import { auditBy } from '../../policies/audit.ts';
import { updateAgent } from '../../users/agents.ts';
import { IdParams, Text } from '../../wire/fields.ts';
import { User } from '../../wire/user.ts';
import { operation } from '../operation.ts';
import { Langs, MaxChats, Password, Role, Rooms, Status } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/agents/:id',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['agents'],
  summary: 'Change an agent (an agent itself: nickname, password and status only; role: secret or an admin)',
  params: IdParams,
  body: Type.Object(
    {
      name: Type.Optional(Text(200)),
      nickname: Type.Optional(Text(200)),
      contact: Type.Optional(Text(320)),
      password: Type.Optional(Password),
      rooms: Type.Optional(Rooms),
      langs: Type.Optional(Langs),
      maxChats: Type.Optional(MaxChats),
      active: Type.Optional(Type.Boolean()),
      status: Type.Optional(Status),
      role: Type.Optional(Role),
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ agent: User }),
  errors: [400, 401, 403, 404, 409],
  // The socket twin changes the status alone; the id defaults to the token's own agent.
  realtime: {
    name: 'agents:status',
    params: { id: 'agentId' },
    self: 'agentId',
    body: Type.Object({ status: Status }),
  },
  run: async (ctx, actor, { params, body }, _services, origin) => ({
    agent: await updateAgent(ctx, actor, params.id, body, auditBy(actor, origin.ip)),
  }),
});
