import { Type } from '@sinclair/typebox';
import { availableAgents } from '../../users/agents.ts';
import { operation } from '../operation.ts';
import { integers } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/agents/available',
  auth: ['secret', 'public', 'token'],
  caller: 'app',
  tags: ['agents'],
  summary: 'Agents with a free slot, per room',
  query: Type.Object(
    {
      roomIds: Type.Optional(Type.String({ maxLength: 2000 })),
      langs: Type.Optional(Type.String({ maxLength: 2000 })),
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ agents: Type.Record(Type.String(), Type.Integer()) }),
  run: async (ctx, app, { query }) => {
    const langs = query.langs
      ?.split(',')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    return {
      agents: await availableAgents(ctx, app, { roomIds: integers('roomIds', query.roomIds), langs }),
    };
  },
});
