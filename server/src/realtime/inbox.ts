import type { RawData } from 'ws';
import type { Actor } from '../policies/actor.ts';
import { DomainError } from '../util/errors.ts';
import { drop, send } from './connection.ts';
import { ackFrame, errorBody, parseRequest } from './frames.ts';
import { CLOSE_BAD_CREDENTIALS, CLOSE_RATE_LIMITED } from './options.ts';
import { currentActor } from './reauth.ts';
import { runRequest } from './requests.ts';
import { takeToken } from './socket.ts';
import type { Connection, Gateway } from './state.ts';

/**
 * Client frames of a socket: rate-limited on arrival (4008), queued, and run one at a time in order
 * once the socket is live — each request re-authenticated (reauth.ts), run by `runRequest`, and acked.
 */

/** Queued frames beyond which a socket is rate limited (it sends faster than its requests run). */
const MAX_INBOX = 1000;

export function onClientFrame(
  gateway: Gateway,
  connection: Connection,
  data: RawData,
  isBinary: boolean,
): void {
  if (connection.phase === 'closed') return;
  if (!takeToken(connection, gateway.options.rateLimit) || connection.inbox.length >= MAX_INBOX) {
    drop(gateway, connection, CLOSE_RATE_LIMITED, 'Rate limit exceeded');
    return;
  }
  connection.inbox.push({ data, isBinary });
  void pump(gateway, connection);
}

/** Runs the queued frames; started on each arrival and when the socket goes live. */
export async function pump(gateway: Gateway, connection: Connection): Promise<void> {
  if (connection.processing || connection.phase !== 'live') return;
  connection.processing = true;
  try {
    while (connection.phase === 'live') {
      const frame = connection.inbox.shift();
      if (!frame) break;
      await handleFrame(gateway, connection, frame.data, frame.isBinary);
    }
  } finally {
    connection.processing = false;
  }
}

async function handleFrame(
  gateway: Gateway,
  connection: Connection,
  data: RawData,
  isBinary: boolean,
): Promise<void> {
  const request = parseRequest(data, isBinary);
  if ('refusal' in request) {
    send(gateway, connection, request.refusal);
    return;
  }
  const { id, event } = request;
  let actor: Actor;
  try {
    actor = await currentActor(gateway, connection);
  } catch (error) {
    send(gateway, connection, ackFrame(id, { error: errorBody(error) }));
    drop(gateway, connection, CLOSE_BAD_CREDENTIALS, 'Credentials are no longer valid');
    return;
  }
  try {
    const result = await runRequest(gateway.ctx, actor, event, request.data);
    send(gateway, connection, ackFrame(id, { data: result }));
  } catch (error) {
    if (!(error instanceof DomainError)) gateway.log.error({ err: error, event }, 'realtime request failed');
    send(gateway, connection, ackFrame(id, { error: errorBody(error) }));
  }
}
