import { Type } from '@sinclair/typebox';
import { collectHandoff } from '../../sso/handoff.ts';
import { Session, User } from '../../wire/user.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'POST',
  path: '/agents/sso/session',
  auth: ['secret', 'public'],
  caller: 'app',
  tags: ['agents'],
  summary: "Single sign-on: the callback's one-time code (used once, within 60 s) → the agent's session",
  body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ user: User, session: Session }),
  errors: [400, 401, 403],
  run: (ctx, app, { body }, _services, origin) => collectHandoff(ctx, app, body.code, origin.ip),
});
