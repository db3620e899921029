import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  cycles,
  edgesWithin,
  folderGraph,
  folderOf,
  readSourceTree,
  type SourceFile,
} from './architecture/structure.ts';

/**
 * The domain side of the server (issue 14): its folders point one way and never reach up into a
 * transport. The presenters still inside chats/ and users/ are wire shapes (they move to wire/), so
 * they count as wire here.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const WIRE_FILES = new Set(['chats/present.ts', 'users/present.ts']);
const TRANSPORTS = new Set(['http', 'realtime', 'stream', 'operations']);
const DOMAIN = new Set([
  'events',
  'timers',
  'policies',
  'apps',
  'users',
  'chats',
  'tickets',
  'media',
  'routing',
  'presence',
]);

function asWire(path: string): string {
  return WIRE_FILES.has(path) ? `wire/${path.replace('/', '-')}` : path;
}

const files: SourceFile[] = readSourceTree(root).map((file) => ({
  ...file,
  path: asWire(file.path),
  imports: file.imports.map(asWire),
}));

describe('domain layers', () => {
  it('no domain folder imports a transport, webhooks or the composition root', () => {
    const wrong: string[] = [];
    for (const file of files) {
      if (!DOMAIN.has(folderOf(file.path))) continue;
      for (const target of file.imports) {
        const to = folderOf(target);
        if (TRANSPORTS.has(to) || to === 'webhooks' || to === '.') wrong.push(`${file.path} → ${target}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('the domain folders form no import cycle', () => {
    const domainFiles = files.filter((f) => DOMAIN.has(folderOf(f.path)) || folderOf(f.path) === 'wire');
    const found = cycles(folderGraph(domainFiles)).filter((c) => c.some((folder) => DOMAIN.has(folder)));
    assert.deepEqual(
      found.map((c) => edgesWithin(domainFiles, c)),
      [],
    );
  });

  it('routing sits above chats and users: they reach it only through the hooks server.ts plugs in', () => {
    const up = files.filter(
      (f) =>
        ['chats', 'users'].includes(folderOf(f.path)) && f.imports.some((t) => folderOf(t) === 'routing'),
    );
    assert.deepEqual(
      up.map((f) => f.path),
      [],
    );
  });
});
