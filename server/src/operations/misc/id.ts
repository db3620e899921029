import { Type } from '@sinclair/typebox';
import { newId } from '../../util/ids.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/id',
  auth: ['secret', 'token'],
  caller: 'none',
  tags: ['misc'],
  summary: 'A fresh id',
  status: 200,
  response: Type.Object({ id: Type.String() }),
  run: async () => ({ id: newId() }),
});
