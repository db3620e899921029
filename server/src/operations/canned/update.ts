import { Type } from '@sinclair/typebox';
import { updateCanned } from '../../canned/canned.ts';
import { auditBy } from '../../policies/audit.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CannedAnswer, CannedRooms, CannedText, Shortcut, Title, tags } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/canned/:id',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'Change a canned response (an agent: only its own)',
  params: IdParams,
  body: Type.Object(
    {
      shortcut: Type.Optional(Shortcut),
      title: Type.Optional(Title),
      text: Type.Optional(CannedText),
      rooms: Type.Optional(CannedRooms),
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: CannedAnswer,
  errors: [400, 401, 403, 404, 409],
  run: async (ctx, actor, { params, body }, _services, origin) => ({
    canned: await updateCanned(ctx, actor, params.id, body, auditBy(actor, origin.ip)),
  }),
});
