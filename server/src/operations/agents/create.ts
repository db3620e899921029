import { Type } from '@sinclair/typebox';
import { auditBy } from '../../policies/audit.ts';
import { createAgent } from '../../users/agents.ts';
import { Text } from '../../wire/fields.ts';
import { User } from '../../wire/user.ts';
import { operation } from '../operation.ts';
import { Langs, MaxChats, Password, Role, Rooms } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/agents',
  auth: ['secret'],
  caller: 'actor',
  tags: ['agents'],
  summary: 'Create an agent (secret, or an admin person)',
  body: Type.Object(
    {
      name: Text(200),
      nickname: Type.Optional(Text(200)),
      contact: Text(320),
      password: Password,
      rooms: Rooms,
      langs: Type.Optional(Langs),
      maxChats: Type.Optional(MaxChats),
      active: Type.Optional(Type.Boolean()),
      role: Type.Optional(Role),
    },
    { additionalProperties: false },
  ),
  status: 201,
  response: Type.Object({ agent: User }),
  errors: [400, 401, 403, 409],
  run: async (ctx, actor, { body }, _services, origin) => ({
    agent: await createAgent(ctx, actor.app, body, auditBy(actor, origin.ip), actor),
  }),
});
