import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Reads the server's source tree as a graph of imports: which file imports which, and from that
 * which folder depends on which. The architecture test holds the tree to its rules with it.
 */
export interface SourceFile {
  /** Path relative to the source root, with `/` separators. */
  path: string;
  lines: number;
  imports: string[];
}

export function readSourceTree(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(readOne(root, full));
    }
  };
  walk(root);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

function readOne(root: string, full: string): SourceFile {
  const text = readFileSync(full, 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const imports = info.importedFiles
    .map((ref) => ref.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => toPath(root, resolve(dirname(full), name)));
  return { path: toPath(root, full), lines: text.split('\n').length, imports };
}

function toPath(root: string, full: string): string {
  return relative(root, full).split(sep).join('/');
}

/** The folder a file belongs to: its first path segment, or `.` for files at the root. */
export function folderOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
}

/** Folder → folders it imports from (root files are the composition root and left out). */
export function folderGraph(files: SourceFile[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const from = folderOf(file.path);
    if (from === '.') continue;
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const target of file.imports) {
      const to = folderOf(target);
      if (to !== from && to !== '.') edges.add(to);
    }
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan): each is an import cycle. */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, indices.get(next) ?? 0));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

/** The file-level edges that make up a folder cycle, so a failure names the imports to move. */
export function edgesWithin(files: SourceFile[], component: string[]): string[] {
  const members = new Set(component);
  const edges: string[] = [];
  for (const file of files) {
    const from = folderOf(file.path);
    if (!members.has(from)) continue;
    for (const target of file.imports) {
      const to = folderOf(target);
      if (to !== from && members.has(to)) edges.push(`${file.path} → ${target}`);
    }
  }
  return edges;
}
