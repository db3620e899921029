import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { API_REFERENCE_FILE, generateApiReference } from '../scripts/api-reference.ts';

/** docs/api.md is what the server's own OpenAPI (and AsyncAPI) documents make today. */
it('docs/api.md matches the server (else: npm run generate)', async () => {
  const fresh = await generateApiReference();
  let current = '';
  try {
    current = readFileSync(API_REFERENCE_FILE, 'utf8');
  } catch {}
  assert.ok(current === fresh, 'docs/api.md is stale: run `npm run generate`');
});
