import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The repository documents itself: a clone has no contract beside it, so no source file or doc may
 * cite one, and every relative link between the docs must land on a file and heading that exist.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WORKSPACES = ['server', 'sdk', 'cli', 'bench', 'web'];
const SKIP = new Set(['node_modules', 'dist', 'data', 'generated', 'screenshots', 'results']);

function filesUnder(dir: string, extensions: readonly string[]): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : filesUnder(path, extensions);
    return extensions.some((ext) => entry.name.endsWith(ext)) ? [path] : [];
  });
}

const docs = [
  join(root, 'README.md'),
  ...filesUnder(join(root, 'docs'), ['.md']),
  ...WORKSPACES.flatMap((w) => filesUnder(join(root, w), ['.md'])),
];
const sources = WORKSPACES.flatMap((w) => filesUnder(join(root, w), ['.ts', '.tsx', '.html', '.css']));

/** Ways of citing a document the repository does not hold. */
const OUTSIDE = [
  /\.\.\/shared\//,
  /\bshared\/spec\b/,
  /\bspec section/i,
  /\bspec §/i,
  /\bspec \d/i,
  /\bAPI\.md\b/,
  /\bCLIENTS\.md\b/,
];

it('no source file or doc cites a contract outside the repository', () => {
  const hits: string[] = [];
  for (const file of [...docs, ...sources]) {
    // This file names the patterns it looks for.
    if (file === fileURLToPath(import.meta.url)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (OUTSIDE.some((pattern) => pattern.test(line)))
          hits.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(hits, [], 'cite the project doc instead (docs/conventions.md, docs/routing.md, …)');
});

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const text = fenced ? undefined : /^#{1,6} (.*)$/.exec(line)?.[1];
    if (!text) continue;
    let anchor = slug(text);
    // Repeated headings get -1, -2, … as GitHub numbers them.
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug(text)}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

it('every relative link in the docs lands on a file and heading that exist', () => {
  const broken: string[] = [];
  for (const file of docs) {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^[a-z]+:/i.test(target)) continue;
      const [path, anchor] = target.split('#');
      const to = path ? resolve(dirname(file), path) : file;
      if (!existsSync(to)) broken.push(`${relative(root, file)}: ${target} (no such file)`);
      else if (anchor && to.endsWith('.md') && !anchorsOf(to).has(anchor))
        broken.push(`${relative(root, file)}: ${target} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});
