import { DomainError, type ErrorKind } from '../util/errors.ts';

/** The one table from domain error kinds to HTTP statuses (REST answers, realtime acks, stream errors). */
const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  gone: 410,
  conflict: 409,
  'too-large': 413,
  'unsupported-media': 415,
  'too-many': 429,
  internal: 500,
  unavailable: 503,
};

/** The status a domain error answers with; `undefined` for anything else (a bug: 500, logged). */
export function statusOf(error: DomainError): number;
export function statusOf(error: unknown): number | undefined;
export function statusOf(error: unknown): number | undefined {
  return error instanceof DomainError ? STATUS[error.kind] : undefined;
}
