import { Type } from '@sinclair/typebox';
import { sendMessage } from '../../chats/messages.ts';
import { IdParams } from '../../wire/fields.ts';
import { Message } from '../../wire/message.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS, SendMessageBody } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/chats/:id/messages',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['messages'],
  summary: 'Send a message; the same clientId twice stores it once',
  params: IdParams,
  body: SendMessageBody,
  rate: 'messages',
  status: 201,
  response: Type.Object({ message: Message, eventId: Type.Optional(Type.String()) }),
  errors: CHANGE_ERRORS,
  realtime: { name: 'messages:new', params: { id: 'chatId' } },
  run: (ctx, actor, { params, body }) => sendMessage(ctx, actor, params.id, body),
});
