import { Type } from '@sinclair/typebox';
import { ssoOf } from '../../policies/sign-in.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/agents/sso',
  auth: ['secret', 'public'],
  caller: 'app',
  tags: ['agents'],
  summary: 'Whether agents of the app sign in with SSO (the console shows "Sign in with SSO")',
  status: 200,
  response: Type.Object({ sso: Type.Object({ enabled: Type.Boolean(), required: Type.Boolean() }) }),
  run: async (_ctx, app) => {
    const sso = ssoOf(app);
    return { sso: { enabled: sso !== undefined, required: sso?.required ?? false } };
  },
});
