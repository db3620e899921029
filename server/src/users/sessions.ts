import { type App, findApp, isAppIdShape, toApp } from '../apps/apps.ts';
import type { CredentialLookup } from '../policies/credentials.ts';
import { type Db, onPostgres } from '../store/database.ts';
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

async function userForToken(db: Db, appId: string, tokenHash: string): Promise<UserRow | undefined> {
  const found = await sessionUser.first(db, { tokenHash });
  if (!found || found.sessionAppId !== appId || found.appId !== appId) return undefined;
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
    settings: appSettings,
    created: appCreated,
  });
  if (sessionExpires === null || user.id === null) return { app, user: undefined };
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
