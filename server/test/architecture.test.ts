import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { moduleState } from './architecture/state.ts';
import {
  cycles,
  edgesWithin,
  fileGraph,
  folderGraph,
  folderOf,
  readSourceTree,
  type SourceFile,
} from './architecture/structure.ts';

/**
 * The layout rules of docs/architecture.md, held against the code's own imports: a change that
 * breaks one fails here and names the imports to move.
 */
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = join(repo, 'server', 'src');
const files = readSourceTree(root);

/** Bottom to top: a folder imports only from folders listed before it (docs/architecture.md). */
const LAYERS = [
  'util',
  'config',
  'store',
  'limits',
  'apps',
  'wire',
  'events',
  'timers',
  'policies',
  'users',
  'tickets',
  'chats',
  'media',
  'routing',
  'presence',
  'webhooks',
  'sockets',
  'bus',
  'operations',
  'http',
  'realtime',
  'stream',
];
const TRANSPORTS = new Set(['sockets', 'operations', 'http', 'realtime', 'stream', 'bus']);
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

  it('chats and users reach routing only through the hooks the composition root puts in the Ctx', () => {
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

/**
 * Every workspace's sources: no file import cycle, imports only down its tiers (a folder imports
 * from its own tier or those before it), other workspaces only through the packages it may use, and
 * no module-level mutable state (architecture/state.ts), so two servers, clients or renders in one
 * process never share anything by accident.
 */
interface Workspace {
  name: string;
  files: SourceFile[];
  /** Folders bottom to top; folders in one tier may not import each other. `.`: files at the root. */
  tiers: string[][];
  /** Composition roots: files at the top that may import any tier (none imports them). */
  entries: (path: string) => boolean;
  /** The other workspaces it may import by package name. */
  uses: string[];
}

const WORKSPACES: Workspace[] = [
  {
    name: 'server/src',
    files,
    tiers: LAYERS.map((folder) => [folder]),
    entries: (path) => folderOf(path) === '.',
    uses: [],
  },
  {
    name: 'sdk/src',
    files: readSourceTree(join(repo, 'sdk', 'src')),
    tiers: [['generated'], ['.']],
    entries: () => false,
    uses: [],
  },
  {
    name: 'cli/src',
    files: readSourceTree(join(repo, 'cli', 'src')),
    tiers: [['.'], ['commands']],
    entries: (path) => path === 'main.ts',
    uses: ['sdk', 'server'],
  },
  {
    name: 'web',
    files: readSourceTree(join(repo, 'web'), ['node_modules', 'dist', 'test']),
    // The shared kit (src/: lib, ui) below the three apps, which never import each other.
    tiers: [['src'], ['admin', 'console', 'widget']],
    entries: (path) => path === 'vite.config.ts',
    uses: ['sdk'],
  },
];

/**
 * The server's one process-wide registry, by design: PostgreSQL statement names, shared by every pool
 * of the process so a hot text has one name on every connection (store/pg-named.ts).
 */
const SERVER_STATE_BY_DESIGN = ['store/pg-named.ts: module-level `names` holds runtime state'];
const ALLOWED: Record<string, { state: string[]; cycles: string[] }> = {
  'server/src': { state: SERVER_STATE_BY_DESIGN, cycles: [] },
};

/** `line 12: top-level \`let x\`` in `a/b.ts` → `a/b.ts: top-level \`let x\`` (lines move, names stay). */
const stateOf = (list: SourceFile[]) =>
  list.flatMap((file) => file.state.map((found) => `${file.path}: ${found.replace(/^line \d+: /, '')}`));

/** A finding outside its workspace's allow-list fails; so does an allow-list entry nothing matches. */
function assertOnly(found: string[], allowed: string[], what: string): void {
  assert.deepEqual(
    found.filter((f) => !allowed.includes(f)),
    [],
    what,
  );
  assert.deepEqual(
    allowed.filter((a) => !found.includes(a)),
    [],
    `${what}: these allow-list entries match nothing any more; take them out`,
  );
}

for (const workspace of WORKSPACES) {
  const allowed = ALLOWED[workspace.name] ?? { state: [], cycles: [] };
  describe(`architecture of ${workspace.name}`, () => {
    it('no file imports another that imports it back (no file cycles)', () => {
      const found = cycles(fileGraph(workspace.files)).map((component) => component.join(' ↔ '));
      assertOnly(found, allowed.cycles, 'file import cycles');
    });

    it('every folder has its tier, and imports point down the tiers only', () => {
      const tierOf = (folder: string) => workspace.tiers.findIndex((tier) => tier.includes(folder));
      const sources = workspace.files.filter((file) => !workspace.entries(file.path));
      const unplaced = [...new Set(sources.map((f) => folderOf(f.path)))].filter((f) => tierOf(f) === -1);
      assert.deepEqual(
        unplaced,
        [],
        'a new folder needs its tier here and its place in docs/architecture.md',
      );
      const upward = sources.flatMap((file) => {
        const from = folderOf(file.path);
        return file.imports
          .filter((target) => {
            const to = folderOf(target);
            return (
              to !== from && (workspace.entries(target) || !(tierOf(to) >= 0 && tierOf(to) < tierOf(from)))
            );
          })
          .map((target) => `${file.path} → ${target}`);
      });
      assert.deepEqual(upward, []);
    });

    it('other workspaces only through the packages it may use', () => {
      const wrong = workspace.files.flatMap((file) =>
        file.workspaces
          .filter((w) => !workspace.uses.includes(w))
          .map((w) => `${file.path} → @switchboard/${w}`),
      );
      assert.deepEqual(wrong, []);
    });

    it('no module-level mutable state (top-level let, module-level maps, sets or arrays changed at run time)', () => {
      assertOnly(stateOf(workspace.files), allowed.state, 'module-level state');
    });
  });
}

describe('architecture checks', () => {
  it('find module-level state, and leave constants alone', () => {
    const sample = [
      'let count = 0;',
      'const seen = new WeakMap<object, number>();',
      'const queue: string[] = [];',
      'const byName = new Map([["a", 1]]);',
      'export function remember(name: string) { byName.set(name, 2); }',
      'const LIMITS = { max: 3 };',
      'const NAMES = new Set(["x", "y"]);',
      'const EMPTY: ReadonlyMap<string, number> = new Map();',
      'const FROZEN = Object.freeze([1, 2]);',
      'class Counter { static total = 0; static readonly MAX = 5; }',
    ].join('\n');
    assert.deepEqual(moduleState('sample.ts', sample), [
      'line 1: top-level `let count`',
      'line 2: module-level `seen` holds runtime state',
      'line 3: module-level `queue` holds runtime state',
      'line 4: module-level `byName` is changed at run time',
      'line 10: static field `total`',
    ]);
  });
});
