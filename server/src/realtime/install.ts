import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../events/context.ts';
import type { Throttle } from '../limits/throttle.ts';
import type { Presence } from '../presence/presence.ts';
import { finish } from './connection.ts';
import { credentialLookup, startPresence } from './domain.ts';
import { accept } from './handshake.ts';
import { startHeartbeat } from './heartbeat.ts';
import { createHub } from './hub.ts';
import { startMaintenance } from './maintenance.ts';
import { type RealtimeOptions, realtimeOptions } from './options.ts';
import { watchRevocations } from './revocation.ts';
import { closeForShutdown } from './shutdown.ts';
import { checkSocketCap } from './sockets-cap.ts';
import type { Connection, Gateway } from './state.ts';
import { subscriptions } from './subscriptions.ts';
import { upgradeRequired } from './upgrade.ts';

/**
 * The realtime gateway (docs/realtime.md): `/v1/ws` on the REST port. This file wires its parts:
 * the hub (hub.ts: per-app ordered feed; subscriptions.ts: who hears what), the connection
 * (connection.ts, socket.ts), the handshake and resume (handshake.ts, replay.ts), client requests
 * (inbox.ts, reauth.ts), heartbeats (heartbeat.ts) and housekeeping (maintenance.ts). Domain calls
 * go through domain.ts and requests.ts only.
 */
export interface Realtime {
  readonly presence: Presence;
  readonly options: RealtimeOptions;
  /** Open sockets on this node. */
  connectionCount(): number;
  close(): Promise<void>;
}

export interface RealtimeDeps {
  http: FastifyInstance;
  ctx: Ctx;
  adminKey: string;
  options?: Partial<RealtimeOptions> | undefined;
  throttle?: Throttle | undefined;
}

/** Builds the gateway, registers its route and bus subscription. */
export async function installRealtime(deps: RealtimeDeps): Promise<Realtime> {
  const { http, ctx } = deps;
  const options = realtimeOptions(deps.options);
  const log = http.log;
  const onError = (error: unknown, what: string) => log.error({ err: error }, what);
  const presence = await startPresence(ctx, options.nodeLeaseMs, onError);
  const gateway: Gateway = {
    ctx,
    options,
    log,
    presence,
    lookup: credentialLookup(ctx),
    adminKey: deps.adminKey,
    throttle: deps.throttle,
    connections: new Set<Connection>(),
    tokenSockets: new Map<string, number>(),
    revokedAt: new Map<string, number>(),
    closing: undefined,
    hub: createHub({
      db: () => ctx.store.db,
      bus: ctx.bus,
      gapWaitMs: options.gapWaitMs,
      catchUpMs: options.catchUpMs,
      sink: () => subscriptions<Connection>(),
      label: 'realtime',
      onError,
    }),
  };
  // Ended sessions close their sockets, on every node (revocation.ts).
  const revocations = watchRevocations(gateway);
  const heartbeat = startHeartbeat({
    periodMs: options.heartbeatMs,
    sockets: () => gateway.connections,
    onDead: (connection) => finish(gateway, connection),
    beforeBeat: () => revocations.beat(),
    onBeat: (connection) => revocations.onBeat(connection),
  });
  const maintenance = startMaintenance(ctx, presence, options, onError);

  async function close(): Promise<void> {
    heartbeat.stop();
    revocations.stop();
    await maintenance.stop();
    const open = [...gateway.connections];
    await Promise.all(open.map((c) => closeForShutdown(c.ws, () => finish(gateway, c))));
    gateway.hub.close();
    await presence.idle();
    await presence.stop().catch((error) => onError(error, 'realtime: leaving the node table failed'));
  }
  const closeOnce = (): Promise<void> => {
    gateway.closing ??= close();
    return gateway.closing;
  };

  await http.register(websocket, {
    options: { maxPayload: options.maxFrameBytes },
    // ws closes the socket itself on protocol errors (1009 for an oversized frame, 1002, …).
    errorHandler: (error) => log.debug({ err: error }, 'realtime: socket error'),
    preClose: async () => {
      await closeOnce();
      await new Promise<void>((resolve) => http.websocketServer.close(() => resolve()));
    },
  });
  http.route({
    method: 'GET',
    url: '/v1/ws',
    schema: { hide: true },
    // After @fastify/websocket marks the upgrade (its onRequest hook), so a refusal closes the socket.
    preValidation: async (request) => checkSocketCap(gateway, request),
    handler: async (_request, reply) => upgradeRequired(reply),
    wsHandler: (socket, request) => accept(gateway, socket, request),
  });

  return {
    presence,
    options,
    connectionCount: () => gateway.connections.size,
    close: closeOnce,
  };
}
