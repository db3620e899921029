import { readFileSync, writeFileSync } from 'node:fs';
import { API_REFERENCE_FILE, generateApiReference } from './api-reference.ts';

/**
 * `npm run generate --workspace server` rewrites docs/api.md from the server's own OpenAPI (and, when
 * served, AsyncAPI) document; `-- --check` only says whether the checked-in file is current (exit 1).
 */
const check = process.argv.includes('--check');
const fresh = await generateApiReference();
let current = '';
try {
  current = readFileSync(API_REFERENCE_FILE, 'utf8');
} catch {}
if (check) {
  if (current !== fresh) {
    process.stderr.write('docs/api.md is stale: run `npm run generate`\n');
    process.exit(1);
  }
  process.stdout.write('docs/api.md is current\n');
} else {
  writeFileSync(API_REFERENCE_FILE, fresh);
  process.stdout.write(`wrote docs/api.md (${fresh.length} bytes)\n`);
}
