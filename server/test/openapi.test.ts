import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { expectStatus } from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';
import { routeKey, routerPath, SPEC_ROUTES } from './helpers/routes.ts';

/**
 * The API describes itself: GET /v1/openapi.json is an OpenAPI 3 document of every route of the
 * route table the server has, and /docs shows it in a browser.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Fields each body must have, as the route table lists them without a `?`. */
const REQUIRED_BODY_FIELDS: Record<string, string[]> = {
  'POST /apps': ['name'],
  'POST /users/{id}/activity': ['chatId', 'type'],
  'POST /agents': ['name', 'contact', 'password', 'rooms'],
  'POST /agents/login': ['contact', 'password'],
  'POST /chats/{id}/messages': ['message'],
  'POST /chats/{id}/history': ['history'],
};

/** Every `$ref` in the document, with where it was found. */
function refsOf(node: unknown, path = '#'): Array<{ ref: string; at: string }> {
  if (Array.isArray(node)) return node.flatMap((item, i) => refsOf(item, `${path}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Json).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string'
      ? [{ ref: value, at: path }]
      : refsOf(value, `${path}/${key}`),
  );
}

function resolve(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], doc);
}

describeEachStore('OpenAPI document and /docs', (kind) => {
  let server: TestServer;
  let doc: Json;
  /** `METHOD /path` (below /v1, `{param}` style) → operation. */
  let operations: Map<string, Json>;

  before(async () => {
    server = await startServer(kind);
    const res = await expectStatus(server, 200, 'GET', '/v1/openapi.json');
    assert.match(String(res.headers['content-type']), /^application\/json/);
    doc = res.body;
    operations = new Map();
    for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item)) {
        if (METHODS.includes(method))
          operations.set(`${method.toUpperCase()} ${path.replace(/^\/v1(?=\/)/, '')}`, op);
      }
    }
  });
  after(() => server.close());

  it('is an OpenAPI 3 document with a title, a version and paths', () => {
    assert.equal(typeof doc.openapi, 'string');
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    assert.equal(typeof doc.info?.title, 'string');
    assert.ok(doc.info.title.length > 0);
    assert.equal(typeof doc.info.version, 'string');
    assert.equal(typeof doc.paths, 'object');
    assert.ok(operations.size >= 40, `${operations.size} operations`);
    for (const path of Object.keys(doc.paths)) {
      assert.match(path, /^\/v1\//, `${path} lies below /v1`);
      assert.ok(!path.includes(':'), `${path} uses {param} style, not :param`);
    }
    // The document is the API's own: its helper route is not listed.
    assert.ok(!operations.has('GET /openapi.json'));
  });

  it('is well formed: operations answer with described responses and every $ref resolves', () => {
    for (const [key, op] of operations) {
      const responses = Object.entries((op.responses ?? {}) as Record<string, Json>);
      assert.ok(responses.length > 0, `${key} has responses`);
      for (const [status, response] of responses) {
        assert.match(status, /^([1-5]\d\d|default)$/, `${key} response key ${status}`);
        assert.equal(typeof response.description, 'string', `${key} ${status} has a description`);
      }
      assert.ok(
        // A WebSocket route (GET /stream) succeeds by switching protocols.
        responses.some(([status]) => status.startsWith('2') || status === '101'),
        `${key} documents its success answer`,
      );
    }
    const refs = refsOf(doc);
    assert.ok(refs.length > 0, 'error responses point at the shared error schema');
    for (const { ref, at } of refs) assert.notEqual(resolve(doc, ref), undefined, `${ref} at ${at} resolves`);
  });

  it('lists every route of the route table the server has, and only routes it has', () => {
    const implemented = SPEC_ROUTES.filter((route) =>
      server.sb.http.hasRoute({ method: route.method, url: `/v1${routerPath(route.path)}` }),
    );
    const core = SPEC_ROUTES.filter((route) => !route.later);
    const absent = core.filter((route) => !implemented.includes(route)).map(routeKey);
    assert.deepEqual(absent, [], 'core routes of the route table the server lacks');
    const undocumented = implemented.map(routeKey).filter((key) => !operations.has(key));
    assert.deepEqual(undocumented, [], 'routes missing from the OpenAPI document');
    for (const key of operations.keys()) {
      const [method, path] = key.split(' ') as [string, string];
      assert.ok(
        server.sb.http.hasRoute({ method: method as 'GET', url: `/v1${routerPath(path)}` }),
        `${key} is documented but not served`,
      );
    }
  });

  it('documents the path parameters of each route', () => {
    for (const [key, op] of operations) {
      const path = key.split(' ')[1]!;
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const documented = ((op.parameters ?? []) as Json[]).filter((p) => p.in === 'path');
      assert.deepEqual(documented.map((p) => p.name).sort(), [...names].sort(), `${key} path parameters`);
      for (const p of documented) assert.equal(p.required, true, `${key} {${p.name}} is required`);
    }
  });

  it('gives a JSON request schema for every route that takes a JSON body', () => {
    const withBody = SPEC_ROUTES.filter((route) => route.body === 'json' && operations.has(routeKey(route)));
    assert.ok(withBody.length >= 17, `${withBody.length} JSON body routes`);
    for (const route of withBody) {
      const key = routeKey(route);
      const schema = operations.get(key)!.requestBody?.content?.['application/json']?.schema as
        | Json
        | undefined;
      assert.ok(schema, `${key} has an application/json request schema`);
      assert.equal(schema.type, 'object', `${key} takes an object`);
      const properties = Object.keys(schema.properties ?? {});
      for (const field of (schema.required ?? []) as string[]) {
        assert.ok(properties.includes(field), `${key}: required ${field} is a documented property`);
      }
      if (key !== 'PUT /settings') assert.ok(properties.length > 0, `${key} documents its fields`);
      // Routing and webhooks are checked with their own issues; their bodies only need a schema here.
      if (route.later) continue;
      const required = REQUIRED_BODY_FIELDS[key];
      if (required)
        assert.deepEqual([...schema.required].sort(), [...required].sort(), `${key} required fields`);
      else if (key !== 'PUT /settings') {
        assert.deepEqual(schema.required ?? [], [], `${key}: every field is optional`);
      }
    }
    // Routes without a body document none.
    for (const route of SPEC_ROUTES.filter((r) => !r.body && operations.has(routeKey(r)))) {
      assert.equal(
        operations.get(routeKey(route))!.requestBody,
        undefined,
        `${routeKey(route)} takes no body`,
      );
    }
  });

  it('documents the multipart upload of POST /media (chatId, senderId, media)', () => {
    const body = operations.get('POST /media')?.requestBody;
    const schema = body?.content?.['multipart/form-data']?.schema as Json | undefined;
    assert.ok(schema, 'POST /media has a multipart/form-data request schema');
    assert.deepEqual(Object.keys(schema.properties ?? {}).sort(), ['chatId', 'media', 'senderId']);
  });

  it('marks a request body optional where every field is (docs/conventions.md: such bodies may be left out)', () => {
    for (const [key, op] of operations) {
      const schema = op.requestBody?.content?.['application/json']?.schema as Json | undefined;
      if (!schema || (schema.required ?? []).length > 0) continue;
      assert.notEqual(op.requestBody.required, true, `${key}: the body is optional`);
    }
  });

  it('serves the same document for the docs page at /docs/json', async () => {
    const res = await expectStatus(server, 200, 'GET', '/docs/json');
    assert.deepEqual(res.body, doc);
  });

  it('answers /docs and /docs/ directly with the HTML page, whose assets all load', async () => {
    for (const url of ['/docs', '/docs/']) {
      const res = await server.request('GET', url);
      // No redirect: the page is served at both spellings.
      assert.equal(res.status, 200, `${url} → ${res.status} ${String(res.headers.location ?? '')}`);
      assert.equal(res.headers.location, undefined);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.text, /<html/i);
      assert.match(res.text, /swagger-ui/);
      const assets = [...res.text.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(assets.length >= 3, `${url} references its scripts and styles`);
      for (const asset of assets) {
        // Resolved the way a browser resolves them against the page's own address.
        const resolved = new URL(asset, `http://localhost${url}`).pathname;
        assert.match(resolved, /^\/docs\//, `${url}: ${asset} lies below /docs`);
        const loaded = await server.request('GET', resolved);
        assert.equal(loaded.status, 200, `${url}: ${asset} (${resolved}) → ${loaded.status}`);
      }
    }
  });
});
