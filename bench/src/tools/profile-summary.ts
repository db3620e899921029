/**
 * Summarises a V8 `.cpuprofile` (from `--cpu-prof`, e.g. `npm run bench -- --profile`): the functions
 * with the most self time, and the most inclusive time, as a table.
 *   node bench/src/tools/profile-summary.ts <file.cpuprofile> [top=30] [filter]
 * With a filter, a third table attributes the samples under matching functions to the nearest
 * server/src caller (e.g. filter "sqlite-driver" shows which queries spend the store's time).
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg, filter] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top] [filter]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 30);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const total = profile.samples.length;
const name = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|server|bench)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
};
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const id of profile.samples) {
  const leaf = byId.get(id)!;
  self.set(name(leaf), (self.get(name(leaf)) ?? 0) + 1);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const key = name(byId.get(cur)!);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
  }
}
const seconds = (profile.endTime - profile.startTime) / 1e6;
const print = (title: string, map: Map<string, number>, only = filter) => {
  console.log(`\n${title} (${total} samples over ${seconds.toFixed(1)} s)`);
  [...map.entries()]
    .filter(([k]) => !only || k.includes(only))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, v]) => {
      console.log(`${((v / total) * 100).toFixed(1).padStart(6)}%  ${k}`);
    });
};
print('self time', self);
// Self time by where the code lives: a package, the server's own files, Node's internals.
const area = (n: Node) => {
  const url = n.callFrame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.includes('/server/src/store/sqlite-driver')) return 'node:sqlite (statements + commit)';
  if (url.includes('/server/src/')) return `server/src/${url.split('/server/src/')[1]!.split('/')[0]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[1] ?? url}`;
  return n.callFrame.functionName.startsWith('(')
    ? n.callFrame.functionName
    : `native ${n.callFrame.functionName}`;
};
const areas = new Map<string, number>();
for (const id of profile.samples) {
  const key = area(byId.get(id)!);
  areas.set(key, (areas.get(key) ?? 0) + 1);
}
print('self time by area', areas, '');
print('inclusive time', inclusive);

if (filter) {
  const callers = new Map<string, number>();
  for (const id of profile.samples) {
    let cur: number | undefined = id;
    let hit = false;
    for (; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (name(n).includes(filter)) hit = true;
      else if (hit && n.callFrame.url.includes('/server/src/')) break;
    }
    if (!hit) continue;
    // the server frames above the match, innermost first, as a short stack
    const stack: string[] = [];
    for (; cur !== undefined && stack.length < 3; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (n.callFrame.url.includes('/server/src/')) stack.push(name(n).replace(/ server\/src\//, ' '));
    }
    const key = stack.join(' < ') || '(no server caller)';
    callers.set(key, (callers.get(key) ?? 0) + 1);
  }
  print(`samples under "${filter}" by server caller`, callers, '');
}
