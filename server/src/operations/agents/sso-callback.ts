import { Type } from '@sinclair/typebox';
import { type CallbackOutcome, finishSso } from '../../sso/login.ts';
import { operation } from '../operation.ts';

const Param = Type.Optional(Type.String({ maxLength: 4096 }));

/**
 * The console's address with the result in its fragment, which browsers never send to a server nor
 * put in a Referer: a one-time code (`#sso=`) or why not (`#ssoError=`), never a session token.
 */
function consoleLocation(outcome: CallbackOutcome): string {
  const query = outcome.appId ? `?appId=${encodeURIComponent(outcome.appId)}` : '';
  const fragment = 'code' in outcome ? `sso=${outcome.code}` : `ssoError=${outcome.refusal}`;
  return `/console/${query}#${fragment}`;
}

export default operation({
  method: 'GET',
  path: '/agents/sso/callback',
  // The provider's redirect: the pending login named by `state` is the credential.
  auth: null,
  caller: 'none',
  tags: ['agents'],
  summary: 'Single sign-on: the provider returns here; 302 to the console signed in, or with the refusal',
  query: Type.Object({
    state: Param,
    code: Param,
    iss: Param,
    error: Param,
    error_description: Param,
  }),
  status: 302,
  errors: [400],
  run: async (ctx, _none, { query }, _services, origin) => {
    const present = Object.entries(query).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    );
    return finishSso(ctx, Object.fromEntries(present), origin.ip);
  },
  send: (reply, outcome) => {
    if ('refusal' in outcome)
      reply.log.warn({ refusal: outcome.refusal, detail: outcome.detail }, 'single sign-on refused');
    return reply.redirect(consoleLocation(outcome), 302);
  },
});
