import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cycles, edgesWithin, folderGraph, readSourceTree } from './structure.ts';

/** `node server/test/architecture/report.ts`: the folder graph, its cycles and the longest files. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const files = readSourceTree(root);
const graph = folderGraph(files);
for (const [folder, targets] of [...graph].sort())
  console.log(`${folder} → ${[...targets].sort().join(' ')}`);
for (const component of cycles(graph)) {
  console.log(`\ncycle: ${component.join(' ')}`);
  for (const edge of edgesWithin(files, component)) console.log(`  ${edge}`);
}
const long = files.filter((f) => f.lines > 400).map((f) => `${f.path} (${f.lines})`);
console.log(`\nfiles over 400 lines: ${long.length === 0 ? 'none' : long.join(', ')}`);
