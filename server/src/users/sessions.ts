import type { Db } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import type { UserRow } from '../store/schema.ts';
import { digest, randomToken } from '../util/secrets.ts';
import { nowSeconds } from '../util/time.ts';

/** Session lifetime; each use pushes the expiry out again (sliding). */
export const SESSION_SECONDS = 24 * 3600;
/** Refresh the expiry at most once a minute per session, so reads do not turn into writes. */
const REFRESH_AFTER = 60;

export interface Session {
  token: string;
  expires: number;
}

export async function createSession(db: Db, appId: string, userId: string): Promise<Session> {
  const token = `tk_${randomToken(32)}`;
  const now = nowSeconds();
  const expires = now + SESSION_SECONDS;
  await db
    .insertInto('sessions')
    .values({ tokenHash: digest(token), appId, userId, expires, created: now })
    .execute();
  return { token, expires };
}

/** The user a token belongs to, if the token is valid for this app; slides the expiry. */
const sessionUser = prepare<
  { tokenHash: string },
  UserRow & { sessionExpires: number; sessionAppId: string }
>((db, arg) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.userId')
    .selectAll('users')
    .select(['sessions.expires as sessionExpires', 'sessions.appId as sessionAppId'])
    .where('sessions.tokenHash', '=', arg('tokenHash')),
);

export async function userForToken(db: Db, appId: string, token: string): Promise<UserRow | undefined> {
  const tokenHash = digest(token);
  const found = await sessionUser.first(db, { tokenHash });
  const now = nowSeconds();
  if (!found || found.sessionAppId !== appId || found.appId !== appId || found.sessionExpires <= now)
    return undefined;
  if (found.sessionExpires - now < SESSION_SECONDS - REFRESH_AFTER) {
    await db
      .updateTable('sessions')
      .set({ expires: now + SESSION_SECONDS })
      .where('tokenHash', '=', tokenHash)
      .execute();
  }
  const { sessionExpires: _expires, sessionAppId: _app, ...user } = found;
  return user;
}
