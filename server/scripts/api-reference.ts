import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSettings, SettingsSchema } from '../src/apps/settings.ts';
import { loadConfig } from '../src/config/config.ts';
import { TRIGGERS } from '../src/events/catalog.ts';
import { OPERATIONS } from '../src/operations/catalog.ts';
import { REQUESTS } from '../src/operations/realtime.ts';
import { buildSwitchboard } from '../src/server.ts';

/** Where the generated reference lives (checked in, never edited by hand). */
export const API_REFERENCE_FILE = new URL('../../docs/api.md', import.meta.url);

type Json = Record<string, unknown>;

/** What the node serves about itself: OpenAPI always, AsyncAPI once the server has it (else null). */
export interface ServedDocuments {
  openapi: Json;
  asyncapi: Json | null;
}

/** Both documents, from a node built in-process on a throwaway SQLite store (as the SDK's generator does). */
export async function servedDocuments(): Promise<ServedDocuments> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-api-reference-'));
  // The node's close() waits on unref'd timers: without a ref'd handle the process could exit mid-close.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const config = loadConfig([], { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_KEY: 'adm_generate' });
    const node = await buildSwitchboard({ config, logger: false });
    try {
      const openapi = await node.http.inject({ method: 'GET', url: '/v1/openapi.json' });
      if (openapi.statusCode !== 200) throw new Error(`GET /v1/openapi.json answered ${openapi.statusCode}`);
      const asyncapi = await node.http.inject({ method: 'GET', url: '/v1/asyncapi.json' });
      if (asyncapi.statusCode !== 200 && asyncapi.statusCode !== 404)
        throw new Error(`GET /v1/asyncapi.json answered ${asyncapi.statusCode}`);
      return {
        openapi: JSON.parse(openapi.body) as Json,
        asyncapi: asyncapi.statusCode === 200 ? (JSON.parse(asyncapi.body) as Json) : null,
      };
    } finally {
      await node.close();
    }
  } finally {
    clearInterval(keepAlive);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The reference the generator makes of the server today. */
export async function generateApiReference(): Promise<string> {
  return renderApiReference(await servedDocuments());
}

// ---------------------------------------------------------------------------------------------------
// Schemas as short TypeScript-like types. Object shapes that recur are named once under "Shapes", so a
// chat or a message is spelled out one time, not in every answer that carries it.

interface Shapes {
  /** Canonical JSON of a recurring object schema → its name. */
  names: Map<string, string>;
  /** Name → schema, in the order they were first met. */
  schemas: Map<string, Json>;
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys that describe a schema without changing what it accepts. */
const PROSE = new Set(['title', 'description', '$id', 'examples', 'summary']);

/**
 * The same shape as OpenAPI 3.0 and as plain JSON Schema write it: prose dropped, keys sorted, and
 * each thing said one way (`nullable` for "or null", `enum` for `const`, `additionalProperties` for
 * "any key"), so a REST answer and an AsyncAPI schema compare equal.
 */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (!isObject(node)) return node;
  const source: Json = { ...node };
  if (source.const !== undefined) {
    source.enum = [source.const];
    delete source.const;
  }
  const patterns = isObject(source.patternProperties) ? Object.entries(source.patternProperties) : [];
  if (patterns.length === 1 && patterns[0]?.[0] === '^(.*)$') {
    source.additionalProperties = patterns[0][1];
    delete source.patternProperties;
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(source).sort(([a], [b]) => a.localeCompare(b)))
    if (!PROSE.has(key)) out[key] = normalize(value);
  const union = Array.isArray(out.anyOf) ? (out.anyOf as Json[]) : undefined;
  if (union?.length === 2 && union.some((s) => s.type === 'null')) {
    const other = union.find((s) => s.type !== 'null') ?? {};
    delete out.anyOf;
    return normalize({ ...other, ...out, nullable: true });
  }
  if (Array.isArray(out.type) && out.type.length === 2 && out.type.includes('null'))
    return normalize({ ...out, type: out.type.find((t) => t !== 'null'), nullable: true });
  return out;
}

function canonical(schema: unknown): string {
  return JSON.stringify(normalize(schema));
}

/** A schema with every local `$ref` replaced by what it points at (a cycle stops at its `$ref`). */
function inline(doc: Json, node: unknown, seen: readonly string[] = []): unknown {
  if (Array.isArray(node)) return node.map((item) => inline(doc, item, seen));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/') && !seen.includes(node.$ref))
    return inline(doc, resolveRef(doc, { $ref: node.$ref }), [...seen, node.$ref]);
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inline(doc, value, seen)]));
}

/** An object schema worth a name: it has properties of its own and several of them. */
function isShape(schema: Json): boolean {
  return isObject(schema.properties) && Object.keys(schema.properties).length >= 3;
}

function singular(key: string): string {
  if (key.endsWith('ies')) return `${key.slice(0, -3)}y`;
  if (key.endsWith('ses')) return key.slice(0, -2);
  return key.endsWith('s') && !key.endsWith('ss') ? key.slice(0, -1) : key;
}

const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * Walks every schema, recording each object shape with the property key it was found under. Shapes
 * `known` already names (the AsyncAPI document's schemas) keep that name and are listed there.
 */
function collectShapes(schemas: unknown[], known: ReadonlyMap<string, string> = new Map()): Shapes {
  const seen = new Map<string, { count: number; key: string; schema: Json }>();
  const visit = (node: unknown, key: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, key);
      return;
    }
    if (!isObject(node)) return;
    if (node.type === 'object' && isShape(node)) {
      const text = canonical(node);
      const entry = seen.get(text);
      if (entry) entry.count += 1;
      else seen.set(text, { count: 1, key, schema: node });
    }
    for (const [field, child] of Object.entries(node)) {
      if (field === 'properties' && isObject(child))
        for (const [name, grandchild] of Object.entries(child)) visit(grandchild, name);
      else if (field === 'items' || field === 'additionalProperties') visit(child, singular(key));
      // Containers around schemas (paths, responses, content) pass the key on unchanged.
      else visit(child, key);
    }
  };
  for (const schema of schemas) visit(schema, '');
  const shapes: Shapes = { names: new Map(known), schemas: new Map() };
  const taken = new Set(known.values());
  for (const [text, { count, key, schema }] of seen) {
    if (count < 2 || key === '' || known.has(text)) continue;
    let name = capital(key);
    for (let n = 2; shapes.schemas.has(name) || taken.has(name); n++) name = `${capital(key)}${n}`;
    shapes.names.set(text, name);
    shapes.schemas.set(name, schema);
  }
  return shapes;
}

/** Constraints worth a reader's eye: lengths, ranges, patterns, defaults, formats. */
function constraints(schema: Json): string[] {
  const out: string[] = [];
  const range = (lo: unknown, hi: unknown, unit: string) => {
    if (lo !== undefined && hi !== undefined) out.push(`${lo}–${hi}${unit}`);
    else if (lo !== undefined) out.push(`≥ ${lo}${unit}`);
    else if (hi !== undefined) out.push(`≤ ${hi}${unit}`);
  };
  range(schema.minLength, schema.maxLength, ' chars');
  range(schema.minimum, schema.maximum, '');
  range(schema.minItems, schema.maxItems, ' items');
  if (typeof schema.format === 'string') out.push(`format ${schema.format}`);
  if (typeof schema.pattern === 'string') out.push(`pattern \`${schema.pattern}\``);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out;
}

function typeOf(schema: unknown, shapes: Shapes, top = false): string {
  if (!isObject(schema)) return 'unknown';
  const nullable = schema.nullable === true ? ' | null' : '';
  if (typeof schema.$ref === 'string') return refName(schema.$ref) + nullable;
  if (!top && schema.type === 'object') {
    const name = shapes.names.get(canonical(schema));
    if (name) return name + nullable;
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const) + nullable;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ') + nullable;
  for (const group of ['anyOf', 'oneOf'])
    if (Array.isArray(schema[group]))
      return [...new Set((schema[group] as unknown[]).map((s) => typeOf(s, shapes)))].join(' | ') + nullable;
  if (Array.isArray(schema.allOf))
    return (schema.allOf as unknown[]).map((s) => typeOf(s, shapes)).join(' & ');
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  const rendered = types.map((type) => {
    if (type === 'array') {
      const item = typeOf(schema.items, shapes);
      return item.includes(' ') && !item.startsWith('{') ? `(${item})[]` : `${item}[]`;
    }
    if (type === 'object') return objectType(schema, shapes);
    if (type === 'integer' || type === 'number' || type === 'string' || type === 'boolean' || type === 'null')
      return type;
    return 'unknown';
  });
  return rendered.join(' | ') + nullable;
}

function objectType(schema: Json, shapes: Shapes): string {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const fields = Object.entries(properties).map(
    ([name, child]) => `${name}${required.has(name) ? '' : '?'}: ${typeOf(child, shapes)}`,
  );
  if (isObject(schema.additionalProperties))
    fields.push(`[key: string]: ${typeOf(schema.additionalProperties, shapes)}`);
  else if (
    schema.additionalProperties === true ||
    (fields.length === 0 && schema.additionalProperties !== false)
  )
    fields.push('[key: string]: unknown');
  return `{ ${fields.join('; ')} }`;
}

function refName(ref: string): string {
  return ref.split('/').pop() ?? ref;
}

/** A field table: one row per property of an object schema. */
function fieldTable(schema: unknown, shapes: Shapes): string[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [`\`${typeOf(schema, shapes, true)}\``, ''];
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const rows = ['| field | type | required | constraints |', '|---|---|---|---|'];
  for (const [name, child] of Object.entries(schema.properties)) {
    const info = isObject(child) ? constraints(child) : [];
    rows.push(
      `| \`${name}\` | ${code(typeOf(child, shapes))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(info.join(', '))} |`,
    );
  }
  if (schema.additionalProperties === false) rows.push('', 'No other fields are accepted.');
  return [...rows, ''];
}

/** Inline code that survives a table cell (pipes escaped). */
function code(text: string): string {
  return `\`${text.replaceAll('|', '\\|')}\``;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|') || '—';
}

// ---------------------------------------------------------------------------------------------------
// REST, from OpenAPI.

const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;

/** The credential kinds of each route, from the operations themselves while OpenAPI does not carry them. */
function credentialsByRoute(): Map<string, readonly string[] | null> {
  const out = new Map<string, readonly string[] | null>();
  for (const op of OPERATIONS) {
    if (op.method === null) continue;
    const methods = typeof op.method === 'string' ? [op.method] : op.method;
    const path = op.path.replace(/:(\w+)/g, '{$1}');
    for (const method of methods) out.set(`${method} /v1${path}`, op.auth);
  }
  return out;
}

const CREDENTIAL_NAMES: Record<string, string> = {
  admin: 'admin key (`x-hyper-admin`)',
  secret: 'app secret (`x-hyper-appid` + `x-hyper-secret`)',
  public: 'public (`x-hyper-appid`, with `x-hyper-key` or alone)',
  token: 'session token (`x-hyper-appid` + `x-hyper-token`)',
  appId: '`x-hyper-appid`',
  domainKey: 'domain key (`x-hyper-key`)',
};

function credentialsOf(operation: Json, route: string, fromCatalog: Map<string, readonly string[] | null>) {
  if (Array.isArray(operation.security)) {
    const alternatives = (operation.security as Json[]).map((requirement) =>
      Object.keys(requirement)
        // Every app credential names the app id already: say it once.
        .filter((name, _i, names) => name !== 'appId' || names.length === 1)
        .map((name) => CREDENTIAL_NAMES[name] ?? `\`${name}\``)
        .join(' + '),
    );
    return alternatives.length === 0 ? 'none' : alternatives.join('; or ');
  }
  const kinds = fromCatalog.get(route);
  if (kinds === null) return 'none';
  if (kinds === undefined) return 'see the route';
  return kinds.map((kind) => CREDENTIAL_NAMES[kind] ?? kind).join('; or ');
}

const ERROR_MEANING: Record<string, string> = {
  '400': 'invalid input; `details` names each bad field',
  '401': 'missing or wrong credentials',
  '403': 'these credentials may not do this',
  '404': 'unknown, or not visible to these credentials',
  '409': 'conflicts with the current state',
  '413': 'too large',
  '415': 'wrong content type',
  '426': 'not a WebSocket upgrade',
  '429': 'rate limited (`Retry-After`)',
  '503': 'a backend is down',
};

function anchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/ /g, '-');
}

function renderRest(openapi: Json, shapes: Shapes): string[] {
  const paths = isObject(openapi.paths) ? openapi.paths : {};
  const fromCatalog = credentialsByRoute();
  const byTag = new Map<string, string[][]>();
  const index: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const route = `${method.toUpperCase()} ${path}`;
      const tag = Array.isArray(operation.tags) ? String(operation.tags[0]) : 'other';
      const summary = typeof operation.summary === 'string' ? operation.summary : '';
      index.push(`| [\`${route}\`](#${anchor(route)}) | ${cell(summary)} |`);
      const lines = [`### ${route}`, ''];
      if (summary) lines.push(`${summary}.`, '');
      if (typeof operation.description === 'string') lines.push(operation.description.trim(), '');
      lines.push(`Credentials: ${credentialsOf(operation, route, fromCatalog)}.`, '');
      const parameters = Array.isArray(operation.parameters) ? (operation.parameters as Json[]) : [];
      if (parameters.length > 0) {
        lines.push('| parameter | in | type | required | constraints |', '|---|---|---|---|---|');
        for (const p of parameters) {
          const schema = isObject(p.schema) ? p.schema : {};
          lines.push(
            `| \`${String(p.name)}\` | ${String(p.in)} | ${code(typeOf(schema, shapes))} | ${p.required ? 'yes' : 'no'} | ${cell(constraints(schema).join(', '))} |`,
          );
        }
        lines.push('');
      }
      const body = isObject(operation.requestBody) ? operation.requestBody : undefined;
      if (body && isObject(body.content)) {
        for (const [type, media] of Object.entries(body.content)) {
          lines.push(`Body (\`${type}\`, ${body.required ? 'required' : 'optional'}):`, '');
          lines.push(...fieldTable(isObject(media) ? media.schema : undefined, shapes));
        }
      }
      const responses = isObject(operation.responses) ? operation.responses : {};
      const ok: string[] = [];
      const errors: string[] = [];
      for (const [status, response] of Object.entries(responses)) {
        if (status.startsWith('2') || status.startsWith('1')) {
          const content = isObject(response) && isObject(response.content) ? response.content : undefined;
          const json = content ? Object.entries(content)[0] : undefined;
          if (json && isObject(json[1]) && json[1].schema)
            ok.push(`- ${status} (\`${json[0]}\`): ${code(typeOf(json[1].schema, shapes, true))}`);
          else ok.push(`- ${status}: no JSON body described`);
        } else errors.push(`${status} (${ERROR_MEANING[status] ?? 'error'})`);
      }
      if (ok.length > 0) lines.push('Responses:', '', ...ok, '');
      if (errors.length > 0) lines.push(`Errors, each in the error envelope: ${errors.join(', ')}.`, '');
      const group = byTag.get(tag) ?? [];
      group.push(lines);
      byTag.set(tag, group);
    }
  }
  const out = ['## REST routes', '', '| route | what it does |', '|---|---|', ...index, ''];
  for (const [tag, operations] of byTag) out.push(`## ${capital(tag)}`, '', ...operations.flat());
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Realtime and events: from AsyncAPI when the server serves it, else from the server's own catalogs.

/** AsyncAPI 2 keeps messages under channels' publish/subscribe, 3 under components and operations. */
function renderAsyncApi(asyncapi: Json, shapes: Shapes): string[] {
  const out = ['## Realtime and events', ''];
  const info = isObject(asyncapi.info) ? asyncapi.info : {};
  out.push(
    `From the server's AsyncAPI document (\`GET /v1/asyncapi.json\`, AsyncAPI ${String(asyncapi.asyncapi)}).`,
  );
  if (typeof info.description === 'string') out.push('', info.description.trim());
  out.push('');
  const channels = isObject(asyncapi.channels) ? asyncapi.channels : {};
  for (const [key, channel] of Object.entries(channels)) {
    if (!isObject(channel)) continue;
    const address = typeof channel.address === 'string' ? channel.address : key;
    out.push(`### Channel \`${address}\``, '');
    if (typeof channel.description === 'string') out.push(channel.description.trim(), '');
    const messages: Array<[string, Json]> = [];
    const add = (direction: string, node: unknown) => {
      if (!isObject(node)) return;
      const message = isObject(node.message) ? node.message : undefined;
      const list =
        message && Array.isArray(message.oneOf) ? (message.oneOf as unknown[]) : message ? [message] : [];
      for (const m of list) if (isObject(m)) messages.push([direction, resolveRef(asyncapi, m)]);
    };
    add('client → server', channel.publish);
    add('server → client', channel.subscribe);
    if (isObject(channel.messages))
      for (const m of Object.values(channel.messages))
        if (isObject(m)) messages.push([directionOf(asyncapi, key, m), resolveRef(asyncapi, m)]);
    for (const [direction, message] of messages) {
      const name = String(message.name ?? message.title ?? message['x-name'] ?? 'message');
      out.push(`#### \`${name}\` (${direction})`, '');
      const summary = message.summary ?? message.description;
      if (typeof summary === 'string') out.push(summary.trim(), '');
      if (message.payload) out.push(...fieldTable(resolveRef(asyncapi, message.payload as Json), shapes));
    }
  }
  // Schemas the messages name by `$ref` are listed once, under their own names.
  const components = isObject(asyncapi.components) ? asyncapi.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  if (Object.keys(schemas).length > 0) out.push('### Schemas', '');
  for (const [name, schema] of Object.entries(schemas))
    out.push(`#### ${name}`, '', ...fieldTable(isObject(schema) ? schema : {}, shapes));
  return out;
}

/** In AsyncAPI 3 the direction lives on the operation (`send`: server sends) that names the message. */
function directionOf(asyncapi: Json, channelKey: string, message: Json): string {
  const operations = isObject(asyncapi.operations) ? asyncapi.operations : {};
  for (const operation of Object.values(operations)) {
    if (!isObject(operation) || !isObject(operation.channel)) continue;
    if (operation.channel.$ref !== `#/channels/${channelKey}`) continue;
    const refs = Array.isArray(operation.messages) ? (operation.messages as Json[]) : [];
    if (refs.length > 0 && !refs.some((ref) => resolveRef(asyncapi, ref) === resolveRef(asyncapi, message)))
      continue;
    return operation.action === 'receive' ? 'client → server' : 'server → client';
  }
  return 'message';
}

function resolveRef(doc: Json, node: Json): Json {
  let current: Json = node;
  for (let hops = 0; typeof current.$ref === 'string' && current.$ref.startsWith('#/') && hops < 10; hops++) {
    let target: unknown = doc;
    for (const part of current.$ref.slice(2).split('/'))
      target = isObject(target) ? target[part.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
    if (!isObject(target)) break;
    current = target;
  }
  return current;
}

function renderCatalogs(shapes: Shapes): string[] {
  const out = [
    '## Realtime and events',
    '',
    'This server does not serve an AsyncAPI document yet (`GET /v1/asyncapi.json` answered 404), so this',
    "section comes from the server's own catalogs: the realtime requests from the operations that have a",
    'WebSocket twin, the events from the trigger list. The event data are described in',
    '[webhooks.md, "Events and their data"](webhooks.md#events-and-their-data); frames, acks and resume in',
    '[realtime.md](realtime.md).',
    '',
    '### Events (server → client, webhooks, event stream)',
    '',
    '| trigger | realtime (`/v1/ws`) | webhooks and `/v1/stream` |',
    '|---|---|---|',
  ];
  for (const trigger of TRIGGERS)
    out.push(
      `| \`${trigger}\` | ${trigger === 'chats:assign' ? 'never' : 'yes'} | ${trigger === 'chats:assign' ? 'yes, answered synchronously' : 'yes'} |`,
    );
  out.push('', '### Realtime requests (client → server on `/v1/ws`)', '');
  const twinOf = new Map<string, string>();
  for (const op of OPERATIONS) {
    if (!op.realtime) continue;
    const method = op.method === null ? 'none' : typeof op.method === 'string' ? op.method : op.method[0];
    twinOf.set(op.realtime.name, op.method === null ? 'realtime only' : `\`${method} /v1${op.path}\``);
  }
  for (const [name, request] of Object.entries(REQUESTS)) {
    out.push(`#### \`${name}\``, '', `REST twin: ${twinOf.get(name) ?? 'none'}. Data:`, '');
    out.push(...fieldTable(JSON.parse(JSON.stringify(request.schema)) as Json, shapes));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Per-app settings: OpenAPI types GET /settings as an open record, so they come from the schema the
// server validates PUT /settings with, and the defaults it merges over.

function renderSettings(shapes: Shapes): string[] {
  const out = [
    '## Settings',
    '',
    "Each app's settings (`GET /v1/settings`, `PUT /v1/settings` deep-merges a partial object), with",
    'their defaults. What each does: [routing.md](routing.md) and [conventions.md](conventions.md#objects).',
    '',
    '| setting | type | default | constraints |',
    '|---|---|---|---|',
  ];
  const walk = (schema: Json, value: unknown, path: string): void => {
    // An optional object with no default (sso) lists its fields, each without a default.
    if (schema.type === 'object' && isObject(schema.properties) && (isObject(value) || value === undefined)) {
      for (const [key, child] of Object.entries(schema.properties))
        walk(
          isObject(child) ? child : {},
          isObject(value) ? value[key] : undefined,
          path ? `${path}.${key}` : key,
        );
      return;
    }
    const fallback = value === undefined ? '—' : code(JSON.stringify(value));
    out.push(
      `| \`${path}\` | ${code(typeOf(schema, shapes))} | ${fallback} | ${cell(constraints(schema).join(', '))} |`,
    );
  };
  walk(JSON.parse(JSON.stringify(SettingsSchema)) as Json, defaultSettings(), '');
  return [...out, ''];
}

// ---------------------------------------------------------------------------------------------------

const HEADER = `<!-- Generated by \`npm run generate\` (server/scripts/api-reference.ts) from the server's own
GET /v1/openapi.json and GET /v1/asyncapi.json. Do not edit: change the route schemas and regenerate
(server/test/api-reference.test.ts fails when this file drifts). -->

# API reference

Every route and realtime message the server has, with its credentials, inputs and answers, as the
server itself describes them. What the routes do and why lives in the guides:
[conventions.md](conventions.md) (ids, times, credentials, errors, pagination, tolerance),
[routing.md](routing.md) (eligibility, the invitation loop, queue mode, timers, tickets),
[realtime.md](realtime.md), [webhooks.md](webhooks.md), [stream.md](stream.md) and [limits.md](limits.md).

Types below read like TypeScript: \`?\` marks an optional field, \`Name\` a shape listed under
[Shapes](#shapes). Every error answer is the envelope \`Error\`:
\`{ error: { code: integer; message: string; details?: { field: string; message: string }[] } }\`.
All paths are below the server's root; every collection path also answers with a trailing slash.
Where a route takes the app secret, an admin person's session token may call it too, acting as the
app ([people.md](people.md)).
`;

export function renderApiReference({ openapi, asyncapi }: ServedDocuments): string {
  const schemas: unknown[] = [openapi.paths];
  const known = new Map<string, string>();
  if (asyncapi) {
    schemas.push(asyncapi);
    const components = isObject(asyncapi.components) ? asyncapi.components : {};
    const named = isObject(components.schemas) ? components.schemas : {};
    // Only object shapes: a name for a bare string or number would hide its constraints.
    for (const [name, schema] of Object.entries(named)) {
      const full = inline(asyncapi, schema);
      if (isObject(full) && full.type === 'object') known.set(canonical(full), name);
    }
  } else schemas.push(...Object.values(REQUESTS).map((r) => JSON.parse(JSON.stringify(r.schema))));
  const shapes = collectShapes(schemas, known);
  const info = isObject(openapi.info) ? openapi.info : {};
  const out = [
    HEADER,
    `OpenAPI ${String(openapi.openapi)}, ${String(info.title)} ${String(info.version)}.`,
    '',
  ];
  out.push(...renderRest(openapi, shapes));
  out.push(...renderSettings(shapes));
  out.push(...(asyncapi ? renderAsyncApi(asyncapi, shapes) : renderCatalogs(shapes)));
  out.push(
    '## Shapes',
    '',
    asyncapi
      ? 'Other object shapes that recur above, each named after where it appears (the AsyncAPI ones are under "Schemas").'
      : 'Object shapes that recur in the answers above, each named after where it appears.',
    '',
  );
  for (const [name, schema] of shapes.schemas) out.push(`### ${name}`, '', ...fieldTable(schema, shapes));
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
