export interface ErrorDetail {
  field: string;
  message: string;
}

/**
 * What went wrong, in the domain's words. Transports map it to their status once (http/status.ts);
 * the domain never speaks HTTP.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'gone'
  | 'conflict'
  | 'too-large'
  | 'unsupported-media'
  | 'too-many'
  | 'unavailable'
  | 'internal';

/** An error the client caused or may see; anything else is a 500 whose internals stay in the logs. */
export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly details: ErrorDetail[] | undefined;
  /** Answer headers that go with it (retry-after on shutdown). */
  readonly headers: Record<string, string> | undefined;

  constructor(kind: ErrorKind, message: string, details?: ErrorDetail[], headers?: Record<string, string>) {
    super(message);
    this.kind = kind;
    this.details = details;
    this.headers = headers;
  }
}

export const isDomainError = (error: unknown, kind?: ErrorKind): error is DomainError =>
  error instanceof DomainError && (kind === undefined || error.kind === kind);

export const badRequest = (message: string, details?: ErrorDetail[]) =>
  new DomainError('invalid', message, details);
export const invalidField = (field: string, message: string) =>
  new DomainError('invalid', `Invalid ${field}: ${message}`, [{ field, message }]);
export const unauthorized = (message = 'Missing or invalid credentials') =>
  new DomainError('unauthenticated', message);
export const forbidden = (message = 'Not allowed') => new DomainError('forbidden', message);
export const notFound = (message = 'Not found') => new DomainError('not-found', message);
/** It existed and was removed on purpose (erased media: docs/privacy.md). */
export const gone = (message: string) => new DomainError('gone', message);
export const conflict = (message: string, details?: ErrorDetail[]) =>
  new DomainError('conflict', message, details);
export const tooLarge = (message: string) => new DomainError('too-large', message);
export const unsupportedMedia = (message: string) => new DomainError('unsupported-media', message);
/** Throttled (docs/security.md): the client may try again after `retryAfter` seconds. */
export const tooManyRequests = (message: string, retryAfter: number) =>
  new DomainError('too-many', message, undefined, {
    'retry-after': String(Math.max(1, Math.ceil(retryAfter))),
  });
export const unavailable = (message: string, headers?: Record<string, string>) =>
  new DomainError('unavailable', message, undefined, headers);
/** A server bug the client may see the message of (a route wired to credentials it cannot handle). */
export const internal = (message: string) => new DomainError('internal', message);
