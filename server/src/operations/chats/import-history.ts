import { Type } from '@sinclair/typebox';
import { importHistory } from '../../chats/history.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS, History } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/chats/:id/history',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary: 'Import a bot conversation into the chat',
  params: IdParams,
  body: Type.Object({ history: History }, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ imported: Type.Integer() }),
  errors: CHANGE_ERRORS,
  realtime: { name: 'history:import', params: { id: 'chatId' } },
  run: async (ctx, actor, { params, body }) => ({
    imported: await importHistory(ctx, actor, params.id, body.history),
  }),
});
