import { Type } from '@sinclair/typebox';
import { operation } from '../operation.ts';

/**
 * No REST twin: a liveness probe for clients that cannot see WebSocket pings (browsers). The frame's
 * credentials are re-checked like any request's, so it also tells a client its session expired.
 */
export default operation({
  method: null,
  path: '',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: [],
  summary: 'Realtime liveness probe',
  body: Type.Object({}),
  status: 200,
  realtime: { name: 'ping' },
  run: async () => ({}),
});
