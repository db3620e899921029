import type { FastifyBaseLogger } from 'fastify';
import type { Ctx } from '../events/context.ts';
import type { CredentialLookup } from '../policies/credentials.ts';
import type { FeedSink, Hub } from '../realtime/hub.ts';
import type { RealtimeOptions } from '../realtime/options.ts';
import { closeSocket, isClosed } from '../realtime/socket.ts';
import type { StreamAsker } from './asker.ts';
import type { StreamConnection } from './connection.ts';

/** The explicit state of the event stream gateway of one node, and the release of one stream. */
export interface StreamGateway {
  readonly ctx: Ctx;
  /** The realtime gateway's limits, shared (frame size, rate, buffers, heartbeat, retention). */
  readonly options: RealtimeOptions;
  readonly log: FastifyBaseLogger;
  readonly hub: Hub<StreamConnection, FeedSink<StreamConnection>>;
  readonly asker: StreamAsker;
  readonly lookup: CredentialLookup;
  readonly adminKey: string;
  readonly connections: Set<StreamConnection>;
  closing: Promise<void> | undefined;
}

/** Releases the stream at once, then closes its socket with `code`. */
export function drop(
  gateway: StreamGateway,
  connection: StreamConnection,
  code: number,
  reason: string,
): void {
  finish(gateway, connection);
  closeSocket(connection.ws, code, reason);
}

/** Leaves the hub and the asker, so nothing more is queued or asked of a stream that is going. */
export function finish(gateway: StreamGateway, connection: StreamConnection): void {
  if (isClosed(connection)) return;
  connection.phase = 'closed';
  connection.backlog = [];
  gateway.connections.delete(connection);
  if (connection.appId) gateway.hub.leave(connection.appId, connection);
  gateway.asker.gone(connection);
}
