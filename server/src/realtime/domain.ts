import type { App } from '../apps/apps.ts';
import type { Ctx } from '../events/context.ts';
import type { CredentialLookup } from '../policies/credentials.ts';
import { createPresence, type Presence } from '../presence/presence.ts';
import type { UserRow } from '../store/schema.ts';
import { presentUsers } from '../users/present.ts';
import { credentialLookup as storeCredentials } from '../users/sessions.ts';
import { newId } from '../util/ids.ts';
import type { User as UserView } from '../wire/user.ts';

/**
 * Every door from the sockets into the domain, in one place (besides requests, which go through
 * `runRequest` in requests.ts): presence, the session's user view, and the store
 * reads credential checks need. The transport modules around it hold no domain rules.
 */

/** Starts this node's presence (its timer handlers are registered by the composition root). */
export async function startPresence(
  ctx: Ctx,
  nodeLeaseMs: number,
  onError: (error: unknown, what: string) => void,
): Promise<Presence> {
  const presence = createPresence(ctx, newId(), { nodeLeaseMs, log: onError });
  await presence.start();
  return presence;
}

/** How a socket's user appears in its session frame (null for the app server). */
export async function sessionUser(
  ctx: Ctx,
  app: App,
  user: UserRow | null,
): Promise<UserView | null | undefined> {
  if (!user) return null;
  const [view] = await presentUsers(ctx.store.db, [user], app.settings);
  return view;
}

/** The store reads of credential resolution (policies/credentials.ts), for the sockets of both gateways. */
export function credentialLookup(ctx: Ctx): CredentialLookup {
  return storeCredentials(ctx.store.db);
}
