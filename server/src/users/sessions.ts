import { type App, findApp, isAppIdShape, toApp } from '../apps/apps.ts';
import type { Bus } from '../events/bus.ts';
import { afterCommit } from '../events/commit.ts';
import type { CredentialLookup } from '../policies/credentials.ts';
import { type Db, onPostgres, type Tx } from '../store/database.ts';
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

/**
 * Ends the sessions of a user (docs/security.md, "Sessions"): every one, or every one but `keep` (the
 * digest of the token that made the change). Tokens are checked in the store at each request, so a
 * deleted session answers 401 on every node at once; the caller announces it for the open sockets.
 */
export async function revokeSessions(db: Db | Tx, userId: string, keep?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('userId', '=', userId);
  if (keep !== undefined) query = query.where('tokenHash', '<>', keep);
  await query.execute();
}

/** Ends one session (a sign-out). */
export async function revokeSession(db: Db | Tx, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
}

/**
 * In a change's transaction (commitChange): ends the user's sessions but `keep`, and once committed
 * tells every node, whose sockets opened with them then close with 4001.
 */
export async function endSessions(
  bus: Bus,
  tx: Tx,
  appId: string,
  userId: string,
  keep?: string,
): Promise<void> {
  await revokeSessions(tx, userId, keep);
  afterCommit(tx, () => bus.revoked({ appId, userId }));
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

async function userForToken(db: Db, appId: string, tokenHash: string): Promise<UserRow | undefined> {
  const found = await sessionUser.first(db, { tokenHash });
  if (!found || found.sessionAppId !== appId || found.appId !== appId || found.active !== 1) return undefined;
  const { sessionExpires, sessionAppId: _app, ...user } = found;
  return (await slideSession(db, tokenHash, sessionExpires)) ? user : undefined;
}

/** False for an expired session; pushes a live one's expiry out (at most once a minute). */
async function slideSession(db: Db, tokenHash: string, expires: number): Promise<boolean> {
  const now = nowSeconds();
  if (expires <= now) return false;
  if (expires - now < SESSION_SECONDS - REFRESH_AFTER) {
    await db
      .updateTable('sessions')
      .set({ expires: now + SESSION_SECONDS })
      .where('tokenHash', '=', tokenHash)
      .execute();
  }
  return true;
}

/**
 * PostgreSQL: a token's credential in one statement, the app and, joined to it, the session and its
 * user (both of that app). Every request of a signed-in user starts with this; two reads were one
 * round trip more. (On SQLite the two plain reads are cheaper than the join, measured.)
 */
const appWithSessionUser = prepare<{ appId: string; tokenHash: string }, AppAndSessionUser>((db, arg) =>
  db
    .selectFrom('apps')
    .leftJoin('sessions', (join) =>
      join.on('sessions.tokenHash', '=', arg('tokenHash')).onRef('sessions.appId', '=', 'apps.id'),
    )
    .leftJoin('users', (join) =>
      join.onRef('users.id', '=', 'sessions.userId').onRef('users.appId', '=', 'apps.id'),
    )
    .selectAll('users')
    .select([
      'apps.id as appKey',
      'apps.name as appName',
      'apps.domains as appDomains',
      'apps.secretHash as appSecretHash',
      'apps.domainKeyHash as appDomainKeyHash',
      'apps.previousSecretHash as appPreviousSecretHash',
      'apps.previousSecretUntil as appPreviousSecretUntil',
      'apps.settings as appSettings',
      'apps.created as appCreated',
      'sessions.expires as sessionExpires',
    ])
    .where('apps.id', '=', arg('appId')),
);

type AppAndSessionUser = { [K in keyof UserRow]: UserRow[K] | null } & {
  appKey: string;
  appName: string;
  appDomains: string;
  appSecretHash: string;
  appDomainKeyHash: string;
  appPreviousSecretHash: string | null;
  appPreviousSecretUntil: number | null;
  appSettings: string;
  appCreated: number;
  sessionExpires: number | null;
};

/** The app, and the user `token` opens in it (sliding the session's expiry); undefined: no such app. */
export async function appAndTokenUser(
  db: Db,
  appId: string,
  token: string,
): Promise<{ app: App; user: UserRow | undefined } | undefined> {
  if (!isAppIdShape(appId)) return undefined;
  const tokenHash = digest(token);
  if (!onPostgres(db)) {
    const app = await findApp(db, appId);
    return app && { app, user: await userForToken(db, app.id, tokenHash) };
  }
  const found = await appWithSessionUser.first(db, { appId, tokenHash });
  if (!found) return undefined;
  const {
    appKey,
    appName,
    appDomains,
    appSecretHash,
    appDomainKeyHash,
    appPreviousSecretHash,
    appPreviousSecretUntil,
    appSettings,
    appCreated,
    sessionExpires,
    ...user
  } = found;
  const app = toApp({
    id: appKey,
    name: appName,
    domains: appDomains,
    secretHash: appSecretHash,
    domainKeyHash: appDomainKeyHash,
    previousSecretHash: appPreviousSecretHash,
    previousSecretUntil: appPreviousSecretUntil,
    settings: appSettings,
    created: appCreated,
  });
  // A deactivated agent has no sessions left; refusing its row as well closes any race with a login.
  if (sessionExpires === null || user.id === null || user.active !== 1) return { app, user: undefined };
  // The join found the user's row, so its columns hold what the table holds.
  const live = await slideSession(db, tokenHash, sessionExpires);
  return { app, user: live ? (user as UserRow) : undefined };
}

/** The store reads of credential resolution (policies/credentials.ts), for every transport. */
export function credentialLookup(db: Db): CredentialLookup {
  return {
    app: (appId) => findApp(db, appId),
    appAndUser: (appId, token) => appAndTokenUser(db, appId, token),
  };
}
