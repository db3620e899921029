import type { Config } from '../../config/config.ts';
import { DomainError, type ErrorDetail, type ErrorKind } from '../../util/errors.ts';
import type { AssignCall } from '../assign.ts';
import type { Webhooks } from '../service.ts';

/**
 * What the request thread and the webhook worker thread say to each other (thread/client.ts and
 * thread/entry.ts). Every message is plain data: it crosses by structured clone.
 */

/** The service calls that write the delivery file: they run on the worker thread, its one writer. */
export type WriteMethod = 'create' | 'update' | 'remove' | 'rotate' | 'retry' | 'recover' | 'prune';
export type WriteCalls = Pick<Webhooks, WriteMethod>;

export interface ThreadData {
  config: Config;
  dataDir: string;
}

export type ToWorker =
  /** Apps with new events committed on the request thread (batched). */
  | { type: 'kick'; apps: string[] }
  | { type: 'wake'; webhookId: string }
  | { type: 'call'; id: number; method: WriteMethod; args: unknown[] }
  /** A synchronous `chats:assign` call made on the request thread, to be logged. */
  | { type: 'assign-log'; call: AssignCall }
  /** This thread's meters (delivery attempts), answered as a `result` (metrics/ at scrape time). */
  | { type: 'meters'; id: number }
  /** Drain (record every answer out) and exit. */
  | { type: 'stop' };

export type LogLevel = 'error' | 'warn' | 'info';

export type FromWorker =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'failure'; id: number; error: PlainError }
  | { type: 'log'; level: LogLevel; object: Record<string, unknown>; message: string }
  | { type: 'stopped' };

/** An error as it crosses: a domain error keeps its kind (so the status stays right), others their text. */
export interface PlainError {
  message: string;
  stack?: string | undefined;
  kind?: ErrorKind | undefined;
  details?: ErrorDetail[] | undefined;
  headers?: Record<string, string> | undefined;
  code?: string | undefined;
}

export function plainError(error: unknown): PlainError {
  if (error instanceof DomainError) {
    return {
      message: error.message,
      kind: error.kind,
      details: error.details,
      headers: error.headers,
      stack: error.stack,
    };
  }
  if (error instanceof Error) {
    const { code } = error as Error & { code?: unknown };
    return { message: error.message, stack: error.stack, code: typeof code === 'string' ? code : undefined };
  }
  return { message: String(error) };
}

export function revivedError(plain: PlainError): Error {
  const error = plain.kind
    ? new DomainError(plain.kind, plain.message, plain.details, plain.headers)
    : Object.assign(new Error(plain.message), plain.code ? { code: plain.code } : {});
  if (plain.stack) error.stack = plain.stack;
  return error;
}

/** A log record's fields, made cloneable: errors become their message and stack. */
export function plainLogObject(object: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    out[key] = value instanceof Error ? plainError(value) : value;
  }
  return out;
}
