/**
 * A request the server refused (the error envelope of docs/conventions.md), or one that never got an
 * answer: then `status` and `code` are 0 and `message` says why (unreachable server, dropped socket).
 */
export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError';
  readonly status: number;
  readonly code: number;
  readonly details: unknown[] | undefined;

  constructor(
    status: number,
    message: string,
    options: { code?: number; details?: unknown[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = options.code ?? status;
    this.details = options.details;
  }
}

interface Envelope {
  error: { code?: unknown; message?: unknown; details?: unknown };
}

function isEnvelope(value: unknown): value is Envelope {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { error?: unknown }).error === 'object' &&
    (value as { error?: unknown }).error !== null
  );
}

/** The error of an answer with status `status` and parsed body `body` (an envelope, or anything else). */
export function errorFromBody(status: number, body: unknown, fallback: string): SwitchboardError {
  if (isEnvelope(body)) {
    const { code, message, details } = body.error;
    return new SwitchboardError(status, typeof message === 'string' ? message : fallback, {
      ...(typeof code === 'number' ? { code } : {}),
      ...(Array.isArray(details) ? { details } : {}),
    });
  }
  return new SwitchboardError(status, fallback);
}
