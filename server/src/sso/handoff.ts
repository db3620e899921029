import type { App } from '../apps/apps.ts';
import type { Ctx } from '../events/context.ts';
import { ssoOf } from '../policies/sign-in.ts';
import type { Session } from '../users/sessions.ts';
import { signInAgent } from '../users/sign-in.ts';
import { agentOfApp } from '../users/statements.ts';
import { forbidden, unauthorized } from '../util/errors.ts';
import { digest, randomToken } from '../util/secrets.ts';
import { nowSeconds } from '../util/time.ts';
import type { User } from '../wire/user.ts';
import { insertHandoff, takeHandoff } from './statements.ts';

/** How long the console has to trade the one-time code for a session. */
const HANDOFF_SECONDS = 60;

/** A one-time code for an agent the provider vouched for; only its digest is stored. */
export async function issueHandoff(ctx: Ctx, appId: string, agentId: string): Promise<string> {
  const code = randomToken(32);
  await insertHandoff(ctx.store.db, {
    key: digest(code),
    appId,
    agentId,
    expires: nowSeconds() + HANDOFF_SECONDS,
  });
  return code;
}

/** POST /agents/sso/session: the one-time code → the agent's session, as a password login answers. */
export async function collectHandoff(
  ctx: Ctx,
  app: App,
  code: string,
  ip: string | undefined,
): Promise<{ user: User; session: Session }> {
  const handoff = await takeHandoff(ctx.store.db, app.id, digest(code));
  if (!handoff) throw unauthorized('Unknown, used or expired sign-in code');
  if (!ssoOf(app)) throw forbidden('This app has no single sign-on');
  const row = await agentOfApp.first(ctx.store.db, { id: handoff.agentId, appId: app.id });
  if (!row) throw unauthorized('Unknown, used or expired sign-in code');
  return signInAgent(ctx, app, row, { method: 'sso', ip });
}
