import { SwitchboardError } from '@switchboard/sdk';

/** Exit codes: 1 the server refused or could not be reached, 2 the command line was wrong. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A mistake on the command line (exit 2). */
export class UsageError extends Error {}

/** One line for stderr, saying what went wrong and, for the common cases, what to do. */
export function describeError(error: unknown): string {
  if (error instanceof SwitchboardError) {
    if (error.status === 0) return `${error.message} (is the server running? --url / SWITCHBOARD_URL)`;
    if (error.status === 401) return `the server refused the credentials (401: ${error.message})`;
    const details =
      Array.isArray(error.details) && error.details.length > 0 ? ` ${JSON.stringify(error.details)}` : '';
    return `${error.message} (${error.status})${details}`;
  }
  return error instanceof Error ? error.message : String(error);
}
