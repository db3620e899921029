import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cycles, edgesWithin, folderGraph, folderOf, readSourceTree } from './architecture/structure.ts';

/**
 * The layout rules of docs/architecture.md, held against the code's own imports: a change that
 * breaks one fails here and names the imports to move.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const files = readSourceTree(root);

/** Bottom to top: a folder imports only from folders listed before it (docs/architecture.md). */
const LAYERS = [
  'util',
  'meters',
  'config',
  'store',
  'audit',
  'limits',
  'apps',
  'wire',
  'events',
  'timers',
  'policies',
  'users',
  'sso',
  'tickets',
  'chats',
  'media',
  'routing',
  'presence',
  'canned',
  'reports',
  'surveys',
  'privacy',
  'webhooks',
  'bus',
  'operations',
  'http',
  'realtime',
  'stream',
  'metrics',
];
const TRANSPORTS = new Set(['operations', 'http', 'realtime', 'stream', 'bus', 'metrics']);
const DOMAIN = new Set(LAYERS.slice(0, LAYERS.indexOf('webhooks') + 1));

describe('architecture', () => {
  it('no folder of server/src imports another that imports it back (no folder cycles)', () => {
    const found = cycles(folderGraph(files)).map(
      (component) => `${component.join(' ↔ ')}:\n    ${edgesWithin(files, component).join('\n    ')}`,
    );
    assert.deepEqual(found, [], `folder import cycles:\n  ${found.join('\n  ')}`);
  });

  it('every folder has its place in the layer list, and imports point down it only', () => {
    const unplaced = [...new Set(files.map((f) => folderOf(f.path)))].filter(
      (folder) => folder !== '.' && !LAYERS.includes(folder),
    );
    assert.deepEqual(unplaced, [], 'a new folder needs its place in LAYERS and in docs/architecture.md');
    const upward = files.flatMap((file) => {
      const from = LAYERS.indexOf(folderOf(file.path));
      if (from === -1) return [];
      return file.imports
        .filter((target) => {
          const to = folderOf(target);
          return to !== folderOf(file.path) && LAYERS.indexOf(to) > from;
        })
        .map((target) => `${file.path} → ${target}`);
    });
    assert.deepEqual(upward, []);
  });

  it('folders never import the composition root (the files at the top of server/src)', () => {
    const upward = files.flatMap((file) =>
      folderOf(file.path) === '.'
        ? []
        : file.imports.filter((t) => folderOf(t) === '.').map((t) => `${file.path} → ${t}`),
    );
    assert.deepEqual(upward, []);
  });

  it('the domain never reaches into a transport', () => {
    const wrong = files.flatMap((file) =>
      DOMAIN.has(folderOf(file.path))
        ? file.imports.filter((t) => TRANSPORTS.has(folderOf(t))).map((t) => `${file.path} → ${t}`)
        : [],
    );
    assert.deepEqual(wrong, []);
  });

  it('chats and users reach routing only through the hooks the composition root plugs in', () => {
    const up = files.filter(
      (f) =>
        ['chats', 'users'].includes(folderOf(f.path)) && f.imports.some((t) => folderOf(t) === 'routing'),
    );
    assert.deepEqual(
      up.map((f) => f.path),
      [],
    );
  });

  it('no source file is longer than 400 lines', () => {
    const long = files.filter((file) => file.lines > 400).map((file) => `${file.path} (${file.lines})`);
    assert.deepEqual(long, []);
  });

  it('the checks see the tree: a made-up cycle is found', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    assert.deepEqual(cycles(graph), [['a', 'b', 'c']]);
    assert.ok(files.length > 100 && files.some((f) => f.imports.length > 0));
  });
});
