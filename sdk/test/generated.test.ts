import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ASYNCAPI_FILE, generateSocketTypes } from '../scripts/asyncapi-types.ts';
import { GENERATED_FILE, generateTypes } from '../scripts/openapi-types.ts';

/** The checked-in request/response types are what the server's OpenAPI document makes today. */
it('src/generated/openapi.ts matches the server (else: npm run generate --workspace sdk)', async () => {
  const fresh = await generateTypes();
  const current = readFileSync(GENERATED_FILE, 'utf8');
  assert.ok(
    current === fresh,
    'sdk/src/generated/openapi.ts is stale: run `npm run generate --workspace sdk`',
  );
  assert.match(current, /"\/v1\/chats\/\{id\}\/messages": \{/);
});

/** The checked-in event and socket request types are what the server's AsyncAPI document makes today. */
it('src/generated/asyncapi.ts matches the server (else: npm run generate --workspace sdk)', async () => {
  const fresh = await generateSocketTypes();
  const current = readFileSync(ASYNCAPI_FILE, 'utf8');
  assert.ok(
    current === fresh,
    'sdk/src/generated/asyncapi.ts is stale: run `npm run generate --workspace sdk`',
  );
  assert.match(current, /"messages:new": Schemas\["MessagesNewData"\];/);
  assert.match(current, /"messages:new": \{ data: Schemas\["MessagesNewRequest"\]/);
});
