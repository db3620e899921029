import fc from 'fast-check';
import { REQUEST_NAMES, REQUESTS } from '../../src/operations/realtime.ts';
import { jsonText, nasty, RAW_BODIES, RAW_NUMBERS, type Schema, validOf, valuesOf } from './generate.ts';
import { idMark, resolveIds, UNKNOWN_ID, type World } from './world.ts';

/** One REST request or one realtime frame the fuzzer sends. */
export type Case = HttpCase | FrameCase;

export interface HttpCase {
  kind: 'http';
  /** `METHOD /v1/path/{param}` as the OpenAPI document names the operation. */
  operation: string;
  method: string;
  url: string;
  credential: Credential;
  headers: Record<string, string>;
  body?: string;
}

export interface FrameCase {
  kind: 'frame';
  socket: 'user' | 'agent' | 'app';
  event: string;
  /** The frame's text as sent. */
  text: string;
  /** The id the ack must carry (null when the frame cannot carry one). */
  id: string | number | null;
}

export type Credential =
  | 'secret'
  | 'userToken'
  | 'agentToken'
  | 'domainKey'
  | 'appId'
  | 'admin'
  | 'otherSecret'
  | 'otherToken'
  | 'badSecret'
  | 'none';

const CREDENTIALS: Credential[] = [
  'secret',
  'userToken',
  'agentToken',
  'domainKey',
  'appId',
  'admin',
  'otherSecret',
  'otherToken',
  'badSecret',
  'none',
];

export function credentialHeaders(world: World, credential: Credential): Record<string, string> {
  const { app, other, data, server } = world;
  switch (credential) {
    case 'secret':
      return app.asApp;
    case 'userToken':
      return app.as(data.user.token);
    case 'agentToken':
      return app.as(data.agent.token);
    case 'domainKey':
      return app.asKey;
    case 'appId':
      return app.asAppId;
    case 'admin':
      return { 'x-hyper-admin': server.adminKey };
    case 'otherSecret':
      return other.asApp;
    case 'otherToken':
      return other.as(world.otherUser.token);
    case 'badSecret':
      return { 'x-hyper-appid': app.id, 'x-hyper-secret': 'sk_wrong' };
    case 'none':
      return {};
  }
}

interface Operation {
  method: string;
  path: string;
  parameters: Array<{ in: string; name: string; schema: Schema; required?: boolean }>;
  body?: { type: string; schema: Schema };
}

/** The operations of the server's OpenAPI document. */
export function operationsOf(document: Schema): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths as Record<string, Schema>)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content as Record<string, { schema: Schema }> | undefined;
      const type = content ? Object.keys(content)[0] : undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []) as Operation['parameters'],
        ...(type && content ? { body: { type, schema: content[type]?.schema ?? {} } } : {}),
      });
    }
  }
  return operations;
}

const BAD_SEGMENTS = [
  'a%20b',
  '%E2%82%AC',
  'a.b',
  '%27%3B--',
  '%00',
  'x'.repeat(65),
  '..',
  '%',
  '1e999',
  UNKNOWN_ID,
];

/** A path segment as a client would encode it (a lone surrogate as the bytes of its UTF-8 spelling). */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function queryText(value: unknown): string {
  if (typeof value === 'string') return value.replace(/^\u2063raw:/, '');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function httpCase(world: World, op: Operation): fc.Arbitrary<HttpCase> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const param = (p: Operation['parameters'][number]) =>
    fc.oneof(
      { weight: 8, arbitrary: validOf(p.schema, world, p.name, op.path, 0).map(queryText) },
      { weight: 1, arbitrary: nasty(world).map(queryText) },
      { weight: 1, arbitrary: fc.constantFrom(...BAD_SEGMENTS) },
    );
  const query = fc.record(
    Object.fromEntries(
      queryParams.map((p) => [
        p.name,
        fc.oneof(
          { weight: 2, arbitrary: fc.constant(undefined) },
          { weight: 4, arbitrary: validOf(p.schema, world, p.name, op.path, 0).map(queryText) },
          { weight: 1, arbitrary: nasty(world).map(queryText) },
          { weight: 1, arbitrary: fc.constantFrom(...RAW_NUMBERS) },
        ),
      ]),
    ),
  );
  const body = bodyOf(world, op);
  return fc
    .record({
      params: fc.tuple(...pathParams.map(param)),
      query,
      extraQuery: fc.option(fc.constantFrom('unknown=1', 'limit=1&limit=2', 'cursor=%00', '%zz=1'), {
        freq: 8,
      }),
      credential: fc.oneof(
        { weight: 4, arbitrary: fc.constant<Credential>('secret') },
        fc.constantFrom(...CREDENTIALS),
      ),
      body,
    })
    .map(({ params, query, extraQuery, credential, body }) => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => {
        const value = resolveIds(world, params[i++] ?? '');
        // The bad segments are written as they are (already percent-encoded); the rest encoded.
        return BAD_SEGMENTS.includes(value) ? value : encodeSegment(value);
      });
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(query))
        if (value !== undefined) search.set(key, value as string);
      const text = [search.toString(), extraQuery ?? ''].filter((s) => s !== '').join('&');
      const headers = { ...credentialHeaders(world, credential), ...body.headers };
      return {
        kind: 'http' as const,
        operation: `${op.method} ${op.path}`,
        method: op.method,
        url: text ? `${path}?${text}` : path,
        credential,
        headers,
        ...(body.body !== undefined ? { body: resolveIds(world, body.body as string) } : {}),
      };
    });
}

interface BodyChoice {
  headers: Record<string, string>;
  body?: string;
}

function bodyOf(world: World, op: Operation): fc.Arbitrary<BodyChoice> {
  const none = fc.constant<BodyChoice>({ headers: {} });
  const raw = fc
    .tuple(
      fc.constantFrom(...RAW_BODIES),
      fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
    )
    .map(([text, type]): BodyChoice => ({ headers: type ? { 'content-type': type } : {}, body: text }));
  if (!op.body) return fc.oneof({ weight: 6, arbitrary: none }, { weight: 1, arbitrary: raw });
  if (op.body.type === 'multipart/form-data') return multipartOf(world);
  const json = valuesOf(op.body.schema, world, '', op.path).map(
    (value): BodyChoice => ({ headers: { 'content-type': 'application/json' }, body: jsonText(value) }),
  );
  return fc.oneof(
    { weight: 12, arbitrary: json },
    { weight: 1, arbitrary: none },
    { weight: 2, arbitrary: raw },
  );
}

function multipartOf(world: World): fc.Arbitrary<BodyChoice> {
  return fc
    .record({
      chatId: fc.oneof(
        fc.constantFrom(...world.ids.chat.map((_, i) => idMark('chat', i))),
        nasty(world).map(String),
      ),
      senderId: fc.option(fc.constantFrom(...world.ids.user.map((_, i) => idMark('user', i))), {
        nil: undefined,
      }),
      type: fc.constantFrom('text/plain', 'image/png', 'application/x-evil', 'text', '', 'image/svg+xml'),
      name: fc.constantFrom('a.txt', '', '../x', 'a\u0000b', 'x'.repeat(300)),
      size: fc.nat(2048),
      field: fc.constantFrom('media', 'file', 'media'),
      broken: fc.nat(9),
    })
    .map(({ chatId, senderId, type, name, size, field, broken }): BodyChoice => {
      const boundary = 'fuzzboundary';
      const parts: string[] = [
        `--${boundary}\r\nContent-Disposition: form-data; name="chatId"\r\n\r\n${chatId}\r\n`,
      ];
      if (senderId)
        parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="senderId"\r\n\r\n${senderId}\r\n`);
      parts.push(
        `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\n` +
          `Content-Type: ${type}\r\n\r\n${'x'.repeat(size)}\r\n`,
      );
      // A multipart body cut short or without its final boundary, now and then.
      const text = broken === 0 ? parts.join('') : `${parts.join('')}--${boundary}--\r\n`;
      return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: text };
    });
}

function frameCase(world: World): fc.Arbitrary<FrameCase> {
  const known = REQUEST_NAMES.map((event) =>
    valuesOf((REQUESTS[event]?.schema ?? {}) as Schema, world, '', '/v1/chats').map((data) => ({
      event,
      data,
    })),
  );
  const unknown = fc.record({
    event: fc.constantFrom('chats:explode', '', '__proto__', 'toString'),
    data: nasty(world),
  });
  const frame = fc.record({
    socket: fc.constantFrom('user' as const, 'agent' as const, 'app' as const),
    request: fc.oneof({ weight: 12, arbitrary: fc.oneof(...known) }, { weight: 1, arbitrary: unknown }),
    id: fc.oneof(
      { weight: 8, arbitrary: fc.nat() },
      {
        weight: 1,
        arbitrary: fc.constantFrom<unknown>('s-1', '', null, 1e308, -1, 1.5, { a: 1 }, [1], 'x'.repeat(200)),
      },
    ),
    shape: fc.nat(19),
  });
  return frame.map(({ socket, request, id, shape }) => {
    // Most frames are well-formed requests; some are not frames at all.
    let text: string;
    if (shape === 0) text = '{not json';
    else if (shape === 1) text = jsonText([request.event, request.data]);
    else if (shape === 2) text = jsonText({ id, event: request.event });
    else if (shape === 3) text = jsonText({ id, event: 5, data: request.data });
    else if (shape === 4)
      text = `{"id":${JSON.stringify(id)},"event":"chats:create","data":${'['.repeat(3000)}${']'.repeat(3000)}}`;
    else text = jsonText({ id, event: request.event, data: request.data });
    const ackId =
      shape === 0 || shape === 1
        ? null
        : (typeof id === 'number' && Number.isFinite(id)) ||
            (typeof id === 'string' && id.length > 0 && id.length <= 100)
          ? (id as string | number)
          : null;
    return { kind: 'frame' as const, socket, event: request.event, text: resolveIds(world, text), id: ackId };
  });
}

/** Every operation of the OpenAPI document and every realtime request, evenly. */
export function caseOf(world: World, document: Schema): fc.Arbitrary<Case> {
  const operations = operationsOf(document);
  return fc.oneof(
    {
      weight: 3,
      // Changes weigh twice what reads do: they are what can store something that breaks later.
      arbitrary: fc.oneof(
        ...operations.map((op) => ({ weight: op.method === 'GET' ? 1 : 2, arbitrary: httpCase(world, op) })),
      ),
    },
    { weight: 1, arbitrary: frameCase(world) },
  );
}
