import fc from 'fast-check';
import { type IdKind, idMark, UNKNOWN_ID, type World } from './world.ts';

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
    // Numbers past what a field, the store or JavaScript can hold come first: they poison reads.
    { weight: 4, arbitrary: fc.constantFrom(...RAW_NUMBERS.map((n) => `${RAW_MARK}${n}`)) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(
        true,
        false,
        null,
        0,
        [],
        {},
        [[[]]],
        { a: { b: 1 } },
        ['x'],
        [1, 'x'],
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom(...allIds(world)) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 20 })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.array(fc.integer(), { minLength: 1001, maxLength: 1001 }) },
  );
}

function allIds(world: World): string[] {
  const marks = (Object.keys(world.ids) as IdKind[]).flatMap((kind) => marksOf(world, kind));
  return [...marks, UNKNOWN_ID];
}

/** Stand-ins for the world's ids, resolved when the case is built (the world heals meanwhile). */
function marksOf(world: World, kind: IdKind): string[] {
  return world.ids[kind].map((_, i) => idMark(kind, i));
}

/** Which world ids a field or parameter of this name takes. */
function idsFor(world: World, name: string, path = ''): string[] | undefined {
  const ids = Object.fromEntries(
    (Object.keys(world.ids) as IdKind[]).map((kind) => [kind, marksOf(world, kind)]),
  ) as Record<IdKind, string[]>;
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

/**
 * Values of a schema: a valid one, and most of the time one mutation somewhere inside it (a field
 * or item replaced by a hostile value, a required field dropped, an unknown one added), so the
 * rest of the request is right and the bad part reaches whatever checks it — or fails to.
 */
export function valuesOf(schema: Schema, world: World, name = '', path = ''): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      validOf(schema, world, name, path, 0),
      fc.nat(7),
      fc.nat(),
      nasty(world),
      fc.constantFrom(...RAW_NUMBERS.map((n) => `${RAW_MARK}${n}`)),
      fc.constantFrom(...NASTY_STRINGS),
    )
    .map(([value, mode, pick, bad, number, text]) => {
      if (mode === 0) return value;
      // A number is mostly replaced by a number no field may hold, a string by a hostile string.
      const typed = (current: unknown) =>
        mode < 5 && typeof current === 'number'
          ? number
          : mode < 4 && typeof current === 'string'
            ? text
            : bad;
      return mutate(value, mode, pick, typed);
    });
}

/** Every place inside a value that can be replaced: the value itself, each field, each item. */
function places(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const found = [at];
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) found.push(...places(item, [...at, i]));
  } else if (value && typeof value === 'object')
    for (const [key, inner] of Object.entries(value)) found.push(...places(inner, [...at, key]));
  return found;
}

function mutate(value: unknown, mode: number, pick: number, bad: (current: unknown) => unknown): unknown {
  const all = places(value);
  // The root is replaced rarely: a body that is not even an object tells little.
  const inner = all.length > 1 && pick % 8 !== 0 ? all.slice(1) : all;
  const target = inner[pick % inner.length] ?? [];
  if (target.length === 0) return bad(value);
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const step of target.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = target[target.length - 1]!;
  if (mode === 7 && !Array.isArray(parent)) delete parent[last];
  else if (mode === 6 && !Array.isArray(parent)) parent.unknownField = bad(undefined);
  else parent[last] = bad(parent[last]);
  return copy;
}

export function validOf(
  schema: Schema,
  world: World,
  name: string,
  path: string,
  depth: number,
): fc.Arbitrary<unknown> {
  const choices = idsFor(world, name, path);
  if (choices && (schema.type === 'string' || schema.type === undefined))
    return fc.oneof({ weight: 3, arbitrary: fc.constant(choices[0]) }, fc.constantFrom(...choices));
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
        {
          weight: 9,
          arbitrary: fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }),
        },
        { weight: 1, arbitrary: fc.constantFrom(min, max, min - 1, max + 1) },
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
      // Mostly short strings; now and then exactly the longest allowed, or one more.
      return fc.oneof(
        { weight: 9, arbitrary: fc.string({ minLength: Math.min(min, max), maxLength: max }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'x'.repeat(schema.maxLength ?? 1),
            'x'.repeat((schema.maxLength ?? 1) + 1),
          ),
        },
      );
    }
    case 'array': {
      const items = (schema.items ?? {}) as Schema;
      const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3);
      return fc.array(validOf(items, world, name, path, depth + 1), { maxLength });
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
  for (const key of keys) model[key] = validOf(properties[key] ?? {}, world, key, path, depth + 1);
  return fc.record(model, { requiredKeys: keys.filter((k) => required.has(k)) });
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
