#!/usr/bin/env node
// The `switchboard` command. Plain JavaScript, so an older Node gets a clear message instead of a
// syntax error: the commands themselves are TypeScript, run by Node ≥ 24 as they are.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`switchboard: Node.js 24 or newer is needed (this is ${process.version})\n`);
  process.exit(1);
}
await import('../src/main.ts');
