#!/usr/bin/env node
// Fails when folders of one package import each other in a cycle (runtime → kafka → runtime), naming the
// cycle and one import per step. The folders are the top-level ones under each package's `src` (events,
// runtime, kafka, sinks, testing…): the architecture a reader sees (docs/architecture-at-a-glance.md);
// sub-folders belong to theirs. Only relative imports count; tests are left out (a unit test may use its
// package's test kit). Files directly in `src` (the entry, the error catalog) are nodes of their own: the
// entry re-exports every folder, so counting it as one makes every package one cycle.
// Usage: node scripts/check-folder-cycles.mjs [repo root]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = /\.(ts|mts|mjs|js)$/;
const LEFT_OUT = /(\.test\.ts|\.d\.ts)$|__fixtures__/;
// Static imports and re-exports (type-only ones too: they tie the folders' designs together) and import().
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(name) && !LEFT_OUT.test(path)) files.push(path);
  }
  return files;
}

/** The graph node of a file: its top-level folder under `src`, or the file itself when it sits in `src`. */
function nodeOf(src, file) {
  return relative(src, file).split(sep)[0];
}

/** Folder → folder → one import that makes the edge (`file → specifier`). */
export function folderGraph(src) {
  const graph = new Map();
  for (const file of sourceFiles(src)) {
    const from = nodeOf(src, file);
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(SPECIFIER)) {
      const target = resolve(dirname(file), specifier);
      if (relative(src, target).startsWith('..')) continue;
      const to = nodeOf(src, target);
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      const edges = graph.get(from);
      if (!edges.has(to)) edges.set(to, `${relative(src, file)} → ${specifier}`);
    }
  }
  return graph;
}

/** Every cycle found, one per strongly connected group of folders, as a closed path with its imports. */
export function folderCycles(graph) {
  const cycles = [];
  const done = new Set();
  for (const start of [...graph.keys()].sort()) {
    if (done.has(start)) continue;
    const path = shortestCycle(graph, start);
    if (!path) continue;
    for (const node of path) done.add(node);
    const steps = path.map((node, i) => graph.get(node).get(path[(i + 1) % path.length]));
    cycles.push({ folders: [...path, path[0]], imports: steps });
  }
  return cycles;
}

/** The shortest path from `start` back to itself (breadth first), or undefined. */
function shortestCycle(graph, start) {
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]));
        return path;
      }
      if (previous.has(next)) continue;
      previous.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}

/** The `src` folders of every workspace package (packages/*, services/*). */
export function packageSources(root) {
  const sources = [];
  for (const group of ['packages', 'services']) {
    const dir = join(root, group);
    for (const name of readdirSync(dir).sort()) {
      const src = join(dir, name, 'src');
      if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) sources.push(src);
    }
  }
  return sources;
}

/** Cycles of every package, with the package they belong to. */
export function checkFolderCycles(root) {
  return packageSources(root).flatMap((src) =>
    folderCycles(folderGraph(src)).map((cycle) => ({ package: relative(root, dirname(src)), ...cycle })),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const cycles = checkFolderCycles(root);
  for (const c of cycles) {
    console.error(`${c.package}: folder cycle ${c.folders.join(' → ')}`);
    for (const step of c.imports) console.error(`  ${step}`);
  }
  if (cycles.length > 0) process.exit(1);
  console.log(`no folder cycles in ${packageSources(root).length} packages`);
}
