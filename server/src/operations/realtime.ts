import { type TObject, type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import type { Ctx } from '../events/context.ts';
import { type Actor, personOf } from '../policies/actor.ts';
import { badRequest } from '../util/errors.ts';
import { OPERATIONS } from './catalog.ts';
import { errorsOf, type Operation, type Origin, type Services } from './operation.ts';
import { INPUT_AJV_OPTIONS } from './validation.ts';

/**
 * The client → server events of docs/realtime.md, derived from the operations that declare a realtime
 * twin: the frame's `data` is the route's path parameters (renamed), query and body in one object,
 * validated with the same Ajv options as a REST body, then split back and handed to the same `run`.
 */
export interface RealtimeRequest {
  /** The JSON Schema of `data` (also what the fuzz suite generates frames from). */
  schema: TObject;
  /** What the ack's `data` carries: the REST twin's response body (`{}` when it has none). */
  response: TSchema;
  /** The error statuses an error ack may carry, as the REST twin documents them. */
  errorStatuses: readonly number[];
  summary: string;
  validate: (data: unknown) => boolean;
  errors: () => ErrorObject[] | null | undefined;
  run: (ctx: Ctx, actor: Actor, data: Record<string, unknown>) => Promise<unknown>;
}

const ajv = new Ajv({ ...INPUT_AJV_OPTIONS, coerceTypes: false });
// Realtime requests never use the instance facts or the webhook service.
const NO_SERVICES: Services = { version: '', webhooks: undefined };
// Socket requests are not audited changes (agents:status), so they carry no client address.
const NO_ORIGIN: Origin = {};

function propertiesOf(schema: TSchema | undefined): Record<string, TSchema> {
  return (schema as TObject | undefined)?.properties ?? {};
}

function twinOf(op: Operation): RealtimeRequest | undefined {
  const twin = op.realtime;
  if (!twin) return undefined;
  const renames = Object.entries(twin.params ?? {});
  const params = propertiesOf(op.params);
  const query = propertiesOf(op.query);
  const body = twin.body ? twin.body.properties : propertiesOf(op.body);
  const fields: Record<string, TSchema> = {};
  let selfParam: [string, TSchema] | undefined;
  for (const [param, field] of renames) {
    const schema = params[param] as TSchema;
    if (field === twin.self) selfParam = [field, Type.Optional(schema)];
    else fields[field] = schema;
  }
  Object.assign(fields, query, body);
  // The own-user parameter comes last: it is the one a client usually leaves out.
  if (selfParam) fields[selfParam[0]] = selfParam[1];
  const schema = Type.Object(fields, { additionalProperties: false });
  const validate = ajv.compile(schema);
  const paramOf = new Map(renames.map(([param, field]) => [field, param]));
  const queryKeys = new Set(Object.keys(query));
  const self = twin.self;
  const rate = op.rate;
  return {
    schema,
    response: op.response ?? Type.Object({}),
    errorStatuses: errorsOf(op) ?? [400, 401, 403, 404],
    summary: op.summary,
    validate: (data) => validate(data),
    errors: () => validate.errors,
    run: async (ctx, actor, data) => {
      if (rate) await ctx.rates.take(actor.app.id, rate);
      if (self !== undefined && data[self] === undefined) data[self] = ownUser(actor, self);
      // One pass splits the frame back into the route's parts, as `{ chatId, ...body }` did.
      const params: Record<string, unknown> = {};
      const query: Record<string, unknown> = {};
      const body: Record<string, unknown> = {};
      for (const key in data) {
        const param = paramOf.get(key);
        if (param !== undefined) params[param] = data[key];
        else if (queryKeys.has(key)) query[key] = data[key];
        else body[key] = data[key];
      }
      return op.run(ctx, actor as never, { params, query, body } as never, NO_SERVICES, NO_ORIGIN);
    },
  };
}

/** Acting as oneself: a token's user (an admin person too), or (with the secret) the user the data must name. */
function ownUser(actor: Actor, field: string): string {
  const person = personOf(actor);
  if (person) return person.id;
  throw badRequest(`${field} is required`, [{ field, message: 'is required' }]);
}

/**
 * The order docs/realtime.md lists the names in, which is the order an unknown event's error lists them
 * (so that answer stays as it was). A name missing here still works; it is listed after these.
 */
const LISTED = [
  'chats:create',
  'chats:get',
  'chats:assign',
  'chats:join',
  'chats:leave',
  'chats:close',
  'messages:new',
  'messages:read',
  'users:activity',
  'history:import',
  'users:chats',
  'invitations:accept',
  'invitations:reject',
  'agents:status',
  'ping',
];
const rank = (name: string) => (LISTED.includes(name) ? LISTED.indexOf(name) : LISTED.length);

export const REQUESTS: Record<string, RealtimeRequest> = {};
const twins = OPERATIONS.filter((op) => op.realtime).sort(
  (a, b) => rank(a.realtime?.name ?? '') - rank(b.realtime?.name ?? ''),
);
for (const op of twins) {
  const request = twinOf(op);
  if (request && op.realtime) REQUESTS[op.realtime.name] = request;
}
export const REQUEST_NAMES = Object.keys(REQUESTS);
