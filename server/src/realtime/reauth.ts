import { type Actor, actingAs } from '../policies/actor.ts';
import { recheckCredential } from '../policies/credentials.ts';
import { unauthorized } from '../util/errors.ts';
import type { Connection, Gateway } from './state.ts';
import { keysOf } from './subscriptions.ts';

/**
 * The credentials of a socket are checked again for each request, as each REST request checks them:
 * a revoked token or a rotated secret stops working on open sockets too. The user is read afresh, so
 * an agent whose rooms changed hears the rooms it serves now.
 */
export async function currentActor(gateway: Gateway, connection: Connection): Promise<Actor> {
  const { credential } = connection;
  if (!credential) throw unauthorized();
  const actor = await recheckCredential(gateway.lookup, connection.appId, credential);
  if (!actor) throw unauthorized();
  if (actor.user) {
    gateway.hub.sinkOf(connection.appId)?.rekey(connection, keysOf(actor.user));
    connection.user = actor.user;
  }
  // The socket stays its person's (what it hears); its requests act as REST's do (an admin: as the app).
  return actingAs(actor);
}
