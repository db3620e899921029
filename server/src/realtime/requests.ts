import type { ErrorObject } from 'ajv';
import type { Ctx } from '../events/context.ts';
import { screenInput } from '../http/tolerance.ts';
import { REQUEST_NAMES, REQUESTS } from '../operations/realtime.ts';
import type { Actor } from '../policies/actor.ts';
import { badRequest } from '../util/errors.ts';

/** Ajv's errors as the envelope's `details`, the way http/errors.ts words them for REST. */
function details(errors: ErrorObject[]): Array<{ field: string; message: string }> {
  return errors.map((e) => {
    const params = e.params as Record<string, unknown>;
    const base = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const missing = typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
    const field = missing ? (base ? `${base}.${missing}` : missing) : base || 'data';
    return { field, message: e.message ?? 'is invalid' };
  });
}

/**
 * Validates and runs one client event (the operations with a realtime twin, operations/realtime.ts).
 * `data` arrives as parsed JSON; it is normalised the way the REST tolerance layer normalises bodies
 * (NUL refused, top-level `null` and `""` are absent).
 */
export async function runRequest(ctx: Ctx, actor: Actor, event: string, rawData: unknown): Promise<unknown> {
  const handle = Object.hasOwn(REQUESTS, event) ? REQUESTS[event] : undefined;
  if (!handle) {
    throw badRequest(`Unknown event ${event}`, [
      { field: 'event', message: `must be one of ${REQUEST_NAMES.join(', ')}` },
    ]);
  }
  const data = rawData === undefined || rawData === null ? {} : rawData;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw badRequest('Invalid request: data must be an object', [
      { field: 'data', message: 'must be object' },
    ]);
  }
  screenInput('data', data);
  const body = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) if (value === null || value === '') delete body[key];
  if (!handle.validate(body)) {
    const list = details(handle.errors() ?? []);
    throw badRequest(`Invalid request: ${list.map((d) => `${d.field} ${d.message}`).join('; ')}`, list);
  }
  return handle.run(ctx, actor, body);
}
