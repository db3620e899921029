import type { FastifyBaseLogger } from 'fastify';
import type { RawData } from 'ws';
import type { StoredEvent } from '../events/catalog.ts';
import type { Ctx } from '../events/context.ts';
import type { Throttle } from '../limits/throttle.ts';
import type { CredentialLookup, HeldCredential } from '../policies/credentials.ts';
import type { Presence } from '../presence/presence.ts';
import type { UserRow } from '../store/schema.ts';
import type { Hub } from './hub.ts';
import type { RealtimeOptions } from './options.ts';
import type { SocketState } from './socket.ts';
import type { Subscriber, Subscriptions } from './subscriptions.ts';

/** The explicit state of the realtime gateway of one node; its modules are functions over it. */
export interface Gateway {
  readonly ctx: Ctx;
  readonly options: RealtimeOptions;
  readonly log: FastifyBaseLogger;
  readonly hub: Hub<Connection, Subscriptions<Connection>>;
  readonly presence: Presence;
  readonly lookup: CredentialLookup;
  readonly adminKey: string;
  /** Counts wrong credentials of handshakes (docs/security.md, Throttling). */
  readonly throttle: Throttle | undefined;
  /** Open sockets on this node. */
  readonly connections: Set<Connection>;
  /** Sockets per session token on this node, held to `options.maxSocketsPerToken` (sockets-cap.ts). */
  readonly tokenSockets: Map<string, number>;
  /** When each user's sessions were last revoked (ms), for handshakes in flight (revocation.ts). */
  readonly revokedAt: Map<string, number>;
  /** Set once the gateway is stopping: new sockets are turned away with 1001. */
  closing: Promise<void> | undefined;
}

/** One socket of `/v1/ws`: the client of the hub (Centrifuge's split: hub, client, transport). */
export interface Connection extends SocketState, Subscriber {
  appId: string;
  /** What it authenticated with, checked again for each request (reauth.ts). */
  credential: HeldCredential | undefined;
  user: UserRow | null;
  /** Audience keys it hears; `*` = the app server, every event but `chats:assign`. */
  keys: readonly string[];
  /** Position of the last event of its stream it was given (or where its stream starts). */
  position: number;
  /** Live events held while it opens (replays); flushed after, without what the replay sent. */
  backlog: StoredEvent[];
  /** Client frames waiting their turn: requests run one at a time, in order. */
  inbox: Array<{ data: RawData; isBinary: boolean }>;
  processing: boolean;
  /** Whether presence counts it (so its close is counted off once). */
  counted: boolean;
  /** Whether `tokenSockets` counts it (so its close is counted off once). */
  countedToken: boolean;
}
