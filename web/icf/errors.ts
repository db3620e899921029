import { SwitchboardError } from '../src/lib/sdk.ts';

/** What every failed ICF call rejects with: the server's error body (docs/icf.md, "Errors"). */
export interface IcfError {
  error: { code: number; message: string; details?: unknown[] };
  /** Mirrors of `error.code` and `error.message` (not enumerable: the value stays the error body). */
  readonly code: number;
  readonly message: string;
}

/**
 * The error body `{error: {code, message, details?}}` HyperChat integrations test
 * (`err.error.message === 'User already has a chat'`), with `code` and `message` also readable on the
 * value itself, as some integrations read them (`e.code === 403`).
 */
export function icfError(cause: unknown): IcfError {
  const error =
    cause instanceof SwitchboardError
      ? {
          code: cause.code,
          message: cause.message,
          ...(cause.details === undefined ? {} : { details: cause.details }),
        }
      : { code: 0, message: cause instanceof Error ? cause.message : String(cause) };
  const body = { error };
  Object.defineProperties(body, {
    code: { value: error.code, enumerable: false },
    message: { value: error.message, enumerable: false },
  });
  return body as IcfError;
}

/** Runs `work`, turning any failure into the error body. */
export async function settle<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    throw icfError(cause);
  }
}
