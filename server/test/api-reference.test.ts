import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { API_REFERENCE_FILE, generateApiReference, renderApiReference } from '../scripts/api-reference.ts';

/** docs/api.md is what the server's own OpenAPI (and AsyncAPI) documents make today. */
it('docs/api.md matches the server (else: npm run generate)', async () => {
  const fresh = await generateApiReference();
  let current = '';
  try {
    current = readFileSync(API_REFERENCE_FILE, 'utf8');
  } catch {}
  assert.ok(current === fresh, 'docs/api.md is stale: run `npm run generate`');
});

/** Once the server serves AsyncAPI, its events and requests replace the catalog fallback. */
it('renders an AsyncAPI 3 document: each message with its direction and payload, and named schemas', () => {
  const asyncapi = {
    asyncapi: '3.0.0',
    info: { title: 'realtime', version: '1' },
    channels: {
      ws: {
        address: '/v1/ws',
        messages: {
          created: { $ref: '#/components/messages/created' },
          join: { $ref: '#/components/messages/join' },
        },
      },
    },
    operations: {
      events: {
        action: 'send',
        channel: { $ref: '#/channels/ws' },
        messages: [{ $ref: '#/channels/ws/messages/created' }],
      },
      requests: {
        action: 'receive',
        channel: { $ref: '#/channels/ws' },
        messages: [{ $ref: '#/channels/ws/messages/join' }],
      },
    },
    components: {
      messages: {
        created: {
          name: 'chats:create',
          payload: {
            type: 'object',
            required: ['chat'],
            properties: { chat: { $ref: '#/components/schemas/Chat' } },
          },
        },
        join: { name: 'chats:join', payload: { type: 'object', properties: { chatId: { type: 'string' } } } },
      },
      schemas: { Chat: { type: 'object', properties: { id: { type: 'string' } } } },
    },
  };
  const text = renderApiReference({ openapi: { openapi: '3.0.3', info: {}, paths: {} }, asyncapi });
  assert.match(
    text,
    /#### `chats:create` \(server → client\)\n\n\| field[^\n]*\n[^\n]*\n\| `chat` \| `Chat` \| yes/,
  );
  assert.match(text, /#### `chats:join` \(client → server\)/);
  assert.match(text, /#### Chat\n\n\| field/);
  assert.doesNotMatch(text, /does not serve an AsyncAPI document/);
});
