import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_FILE, generateTypes } from './openapi-types.ts';

/**
 * `npm run generate --workspace sdk` rewrites src/generated/openapi.ts from the server's OpenAPI
 * document; `-- --check` only says whether the checked-in file is current (exit 1 when it drifted).
 */
const check = process.argv.includes('--check');
const fresh = await generateTypes();
let current = '';
try {
  current = readFileSync(GENERATED_FILE, 'utf8');
} catch {}
if (check) {
  if (current !== fresh) {
    process.stderr.write('sdk/src/generated/openapi.ts is stale: run `npm run generate --workspace sdk`\n');
    process.exit(1);
  }
  process.stdout.write('sdk/src/generated/openapi.ts is current\n');
} else {
  writeFileSync(GENERATED_FILE, fresh);
  process.stdout.write(`wrote sdk/src/generated/openapi.ts (${fresh.length} bytes)\n`);
}
