import type { Ctx } from '../events/context.ts';
import type { CredentialLookup } from '../policies/credentials.ts';
import { credentialLookup as storeCredentials } from '../users/sessions.ts';

/** The store reads of credential resolution (policies/credentials.ts), for the sockets of both gateways. */
export function credentialLookup(ctx: Ctx): CredentialLookup {
  return storeCredentials(ctx.store.db);
}
