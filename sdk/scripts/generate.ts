import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ASYNCAPI_FILE, generateSocketTypes } from './asyncapi-types.ts';
import { GENERATED_FILE, generateTypes } from './openapi-types.ts';

/**
 * `npm run generate --workspace sdk` rewrites src/generated/openapi.ts (REST, from the server's
 * OpenAPI document) and src/generated/asyncapi.ts (events and socket requests, from its AsyncAPI
 * document); `-- --check` only says whether the checked-in files are current (exit 1 when one drifted).
 */
const check = process.argv.includes('--check');
const targets: Array<[URL, () => Promise<string>]> = [
  [GENERATED_FILE, generateTypes],
  [ASYNCAPI_FILE, generateSocketTypes],
];
let stale = false;
for (const [file, generate] of targets) {
  const name = `sdk/src/generated/${fileURLToPath(file).split('/').at(-1)}`;
  const fresh = await generate();
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (check) {
    if (current !== fresh) {
      process.stderr.write(`${name} is stale: run \`npm run generate --workspace sdk\`\n`);
      stale = true;
    } else process.stdout.write(`${name} is current\n`);
  } else {
    writeFileSync(file, fresh);
    process.stdout.write(`wrote ${name} (${fresh.length} bytes)\n`);
  }
}
if (stale) process.exit(1);
