import type { Static, TObject, TSchema, TUnknown } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../apps/apps.ts';
import type { Ctx } from '../events/context.ts';
import type { RateKind } from '../limits/rates.ts';
import type { Actor } from '../policies/actor.ts';
import type { AuthKind, Principal } from '../policies/credentials.ts';
import type { Webhooks } from '../webhooks/service.ts';

/** The credential kinds of docs/conventions.md (`public` = the domain key, or the app id alone). */
export type Credential = AuthKind;

/** The credentials a request presented, as the transport identified them. */
export type Presented = Principal;

/**
 * What `run` is handed as its caller: the acting app server or user (`actor`: secret or token), the app
 * of any app credential (`app`), the credentials themselves (`credentials`: operator routes), or nothing.
 */
export type CallerKind = 'actor' | 'app' | 'credentials' | 'none';
export type CallerOf<K extends CallerKind> = K extends 'actor'
  ? Actor
  : K extends 'app'
    ? App
    : K extends 'credentials'
      ? Presented
      : undefined;

/** What a few operations need beyond the command context. */
export interface Services {
  version: string;
  /** Absent on the realtime path, whose requests never need it. */
  webhooks: Webhooks | undefined;
}

/**
 * Where the request came from, for the audit log (docs/security.md, "Audit log"): the client address
 * of a REST request (the request itself is handed over: nothing is copied); none for socket requests.
 */
export interface Origin {
  readonly ip?: string | undefined;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The validated input: path parameters, query string and body, each as its schema says. */
export interface Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/**
 * The WebSocket twin of a route (docs/realtime.md): the frame's `data` is the route's path parameters
 * (renamed: `id` → `chatId`), query and body fields in one object, validated like the route's input.
 */
export interface RealtimeTwin {
  name: string;
  /** Path parameter → data field. */
  params?: Record<string, string>;
  /** A data field that may be left out to mean the caller's own user (with a token). */
  self?: string;
  /** The body fields the frame takes instead of the route's (agents:status takes `status` alone). */
  body?: TObject;
}

export interface OperationSpec<
  P extends TSchema,
  Q extends TSchema,
  B extends TSchema,
  K extends CallerKind,
  R,
> {
  /** REST: `null` for a realtime-only request (ping). */
  method: Method | readonly Method[] | null;
  path: string;
  /** Credential kinds that may call it; `null` = open (health). */
  auth: readonly Credential[] | null;
  /** Whether credentials may also come from the query string (media download). */
  queryCredentials?: boolean;
  caller: K;
  tags: readonly string[];
  summary: string;
  consumes?: readonly string[];
  params?: P;
  query?: Q;
  body?: B;
  /** The success status and its body's schema (none: the body is not described, e.g. a file). */
  status: number;
  response?: TSchema;
  /** Error statuses the OpenAPI document lists, `Error` envelope each; default 400, 401, 403, 404. */
  errors?: readonly number[];
  realtime?: RealtimeTwin;
  /** The per-app rate cap each call counts against (REST and realtime), checked before any work. */
  rate?: RateKind;
  /** Reads the input itself instead of the schemas (multipart upload: the file streams to the store). */
  read?: (
    request: FastifyRequest,
    caller: CallerOf<K>,
    ctx: Ctx,
  ) => Promise<Input<Static<P>, Static<Q>, Static<B>>>;
  /** Answers itself instead of serializing `R` with `status` (CSV export, file download, 204). */
  send?: (reply: FastifyReply, result: R, input: Input<Static<P>, Static<Q>, Static<B>>) => unknown;
  run(
    ctx: Ctx,
    caller: CallerOf<K>,
    input: Input<Static<P>, Static<Q>, Static<B>>,
    services: Services,
    origin: Origin,
  ): Promise<R>;
}

/** An operation with its types erased, as the registry holds it. */
export interface Operation {
  method: Method | readonly Method[] | null;
  path: string;
  auth: readonly Credential[] | null;
  queryCredentials?: boolean;
  caller: CallerKind;
  tags: readonly string[];
  summary: string;
  consumes?: readonly string[];
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  status: number;
  response?: TSchema;
  errors?: readonly number[];
  realtime?: RealtimeTwin;
  rate?: RateKind;
  read?: (request: FastifyRequest, caller: never, ctx: Ctx) => Promise<Input<unknown, unknown, unknown>>;
  send?: (reply: FastifyReply, result: never, input: never) => unknown;
  run(ctx: Ctx, caller: never, input: never, services: Services, origin: Origin): Promise<unknown>;
}

/** Declares one operation; its input types come from its schemas. */
export function operation<
  K extends CallerKind,
  R,
  P extends TSchema = TUnknown,
  Q extends TSchema = TUnknown,
  B extends TSchema = TUnknown,
>(spec: OperationSpec<P, Q, B, K, R>): Operation {
  return spec as Operation;
}

/** The documented error statuses; a rate-capped operation also answers 429 (docs/limits.md). */
export function errorsOf(op: Operation): readonly number[] | undefined {
  if (!op.rate) return op.errors;
  const errors = op.errors ?? [400, 401, 403, 404];
  return errors.includes(429) ? errors : [...errors, 429];
}
