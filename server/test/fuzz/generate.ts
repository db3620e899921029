import fc from 'fast-check';
import { UNKNOWN_ID, type World } from './world.ts';

/**
 * Generators of hostile input from the server's own schemas: the OpenAPI document for REST and the
 * realtime request schemas for frames. A value is mostly valid (so requests get past validation
 * and reach the commands and the store) with bad values mixed in at every depth.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema objects as the OpenAPI document holds them
export type Schema = Record<string, any>;

/** Numbers JSON can carry that no field should accept, written into the body text as they are. */
export const RAW_NUMBERS = [
  '1e999',
  '-1e999',
  '1e308',
  '-1e308',
  '9007199254740992',
  '9007199254740993',
  '99999999999999999999',
  '2147483648',
  '-2147483649',
  '4294967296',
  '253402300800',
  '-1',
  '-0',
  '1.5',
  '1e-400',
  '0.1e1',
];
const RAW_MARK = '\u2063raw:';

const NASTY_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  '😀'.repeat(30),
  'x'.repeat(70_000),
  'x'.repeat(65),
  '../../etc/passwd',
  "'; drop table users; --",
  '%00',
  '<script>alert(1)</script>',
  '=cmd|calc',
  'null',
  '1e999',
  '__proto__',
  'constructor',
  'system',
  'assistant',
  UNKNOWN_ID,
  'http://169.254.169.254/',
  'http://[::ffff:0:127.0.0.1]/',
  'http://192.0.2.1/',
];

/** A value for any field of any type: wrong types, extreme numbers, hostile strings, odd shapes. */
export function nasty(world: World): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...RAW_NUMBERS.map((n) => `${RAW_MARK}${n}`)),
    fc.constantFrom(...NASTY_STRINGS),
    fc.constantFrom<unknown>(
      true,
      false,
      null,
      0,
      [],
      {},
      [[[]]],
      { a: { b: { c: 1 } } },
      ['x'],
      [1, 'x', null],
    ),
    fc.constantFrom(...allIds(world)),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 20 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.array(fc.integer(), { minLength: 1001, maxLength: 1001 }),
  );
}

function allIds(world: World): string[] {
  return [...new Set(Object.values(world.ids).flat()), UNKNOWN_ID];
}

/** Which world ids a field or parameter of this name takes. */
function idsFor(world: World, name: string, path = ''): string[] | undefined {
  const { ids } = world;
  const lower = name.toLowerCase();
  if (lower === 'chatid' || lower === 'externalid') return ids.chat;
  if (lower === 'messageid') return ids.message;
  if (lower === 'deliveryid') return [...ids.delivery, UNKNOWN_ID];
  if (lower === 'agentid') return ids.agent;
  if (lower === 'appid') return ids.app;
  if (lower === 'userid' || lower === 'creator' || lower === 'senderid') return ids.user;
  if (lower === 'sender') return [...ids.user, 'assistant', 'system'];
  if (lower === 'id') {
    if (path.startsWith('/v1/chats')) return ids.chat;
    if (path.startsWith('/v1/users')) return ids.user;
    if (path.startsWith('/v1/agents')) return ids.agent;
    if (path.startsWith('/v1/messages')) return ids.message;
    if (path.startsWith('/v1/media')) return ids.media;
    if (path.startsWith('/v1/tickets')) return ids.ticket;
    if (path.startsWith('/v1/webhooks')) return ids.webhook;
  }
  return undefined;
}

const SPECIFIC: Record<string, (world: World) => unknown[]> = {
  target: (w) => [`http://127.0.0.1:${w.receiver.port}/`, 'ftp://x/', 'http://10.0.0.1/', 'not a url'],
  events: () => [['messages:new'], ['chats:create', 'chats:close'], ['nope:nope']],
  lang: () => ['en', 'fr', 'xx'],
  langs: () => [['en'], ['en', 'fr']],
  contact: () => ['fuzz@example.com', 'a@b.c'],
  password: () => ['pw-123456', 'x'],
  fields: () => ['users', 'history', 'users,history', 'nope'],
  format: () => ['json', 'csv'],
  roomIds: () => ['1', '1,2', '2147483647'],
  domains: () => [['example.com'], ['*.example.com']],
};

/** Mostly-valid values of a schema, with hostile ones mixed in at every depth. */
export function valuesOf(
  schema: Schema,
  world: World,
  name = '',
  path = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const good = validOf(schema, world, name, path, depth);
  return fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: nasty(world) });
}

function validOf(
  schema: Schema,
  world: World,
  name: string,
  path: string,
  depth: number,
): fc.Arbitrary<unknown> {
  const choices = idsFor(world, name, path);
  if (choices && (schema.type === 'string' || schema.type === undefined)) return fc.constantFrom(...choices);
  const specific = SPECIFIC[name]?.(world);
  if (specific) return fc.constantFrom(...specific);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (union) return fc.oneof(...union.map((s) => validOf(s, world, name, path, depth)));
  switch (schema.type) {
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000_000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
      return fc.oneof(
        fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }),
        fc.constantFrom(min, max, min - 1, max + 1),
      );
    }
    case 'number':
      return fc.double({ noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string': {
      const max = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 50, 50);
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      if (schema.pattern) return fc.constantFrom('abc', 'A1_-', UNKNOWN_ID, '123', 'x'.repeat(max));
      return fc.oneof(
        fc.string({ minLength: Math.min(min, max), maxLength: max }),
        fc.constantFrom('x'.repeat(schema.maxLength ?? 1), 'x'.repeat((schema.maxLength ?? 1) + 1)),
      );
    }
    case 'array': {
      const items = (schema.items ?? {}) as Schema;
      const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3);
      return fc.array(valuesOf(items, world, name, path, depth + 1), { maxLength });
    }
    case 'object':
      return objectOf(schema, world, path, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectOf(schema: Schema, world: World, path: string, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const keys = Object.keys(properties);
  if (keys.length === 0 || depth > 4)
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
  const required = new Set((schema.required ?? []) as string[]);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const key of keys) model[key] = valuesOf(properties[key] ?? {}, world, key, path, depth + 1);
  const record = fc.record(model, { requiredKeys: keys.filter((k) => required.has(k)) });
  // Now and then: a required field dropped, or an unknown one added.
  return fc
    .tuple(record, fc.nat(9), fc.constantFrom(...keys), nasty(world))
    .map(([value, mode, key, bad]) => {
      const object = { ...(value as Record<string, unknown>) };
      if (mode === 0) delete object[key];
      if (mode === 1) object.unknownField = bad;
      return object;
    });
}

/** The JSON text of a value, with the raw-number marks written out as the numbers themselves. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(new RegExp(`"${RAW_MARK}([^"]*)"`, 'g'), '$1');
}

/** Bodies that are not what the route expects at all. */
export const RAW_BODIES = [
  '{',
  '[]',
  'null',
  '"x"',
  '5',
  'true',
  '{"a":1,}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
  `${'{"a":'.repeat(4500)}1${'}'.repeat(4500)}`,
  '\u0000',
  '\ufeff{}',
];
