import { Type } from '@sinclair/typebox';
import { createCanned } from '../../canned/canned.ts';
import { auditBy } from '../../policies/audit.ts';
import { operation } from '../operation.ts';
import { CannedAnswer, CannedRooms, CannedText, Shortcut, Title, tags } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/canned',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'Create a canned response: the secret’s are shared, an agent’s its own',
  body: Type.Object(
    {
      shortcut: Shortcut,
      title: Title,
      text: CannedText,
      rooms: Type.Optional(CannedRooms),
      shared: Type.Optional(
        Type.Boolean({ description: 'a shared one (ownerId null); only who manages shared ones may' }),
      ),
    },
    { additionalProperties: false },
  ),
  status: 201,
  response: CannedAnswer,
  errors: [400, 401, 403, 409],
  run: async (ctx, actor, { body }, _services, origin) => ({
    canned: await createCanned(ctx, actor, body, auditBy(actor, origin.ip)),
  }),
});
