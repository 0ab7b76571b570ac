import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** A package of the npm workspace around a directory. */
export interface WorkspacePackage {
  /** The workspace root: the nearest directory upwards whose package.json has `workspaces`. */
  root: string;
  /** The package's folder, relative to the root (e.g. `packages/my-metrics`). */
  dir: string;
  /** Whether `node_modules/<name>` at the root resolves (npm install links every workspace package there). */
  linked: boolean;
}

/**
 * Finds the workspace package named `name` in the npm workspace that contains `from`, so a plugin that
 * is not found can be told apart from one that exists but was never linked. Workspace patterns are read
 * as npm writes them here: a folder, or `folder/*`; other globs are skipped.
 */
export function findWorkspacePackage(name: string, from: string): WorkspacePackage | undefined {
  const root = workspaceRoot(from);
  if (!root) return undefined;
  for (const dir of workspaceFolders(root.path, root.patterns)) {
    if (readJson(join(root.path, dir, 'package.json'))?.name !== name) continue;
    return { root: root.path, dir, linked: existsSync(join(root.path, 'node_modules', ...name.split('/'))) };
  }
  return undefined;
}

function workspaceRoot(from: string): { path: string; patterns: string[] } | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const workspaces = readJson(join(dir, 'package.json'))?.workspaces;
    const patterns = Array.isArray(workspaces)
      ? workspaces
      : (workspaces as { packages?: unknown })?.packages;
    if (Array.isArray(patterns))
      return { path: dir, patterns: patterns.filter((p) => typeof p === 'string') };
    if (dirname(dir) === dir) return undefined;
  }
}

function workspaceFolders(root: string, patterns: readonly string[]): string[] {
  return patterns.flatMap((pattern) => {
    const clean = pattern.replace(/^\.\//, '').replace(/\/$/, '');
    if (!clean.endsWith('/*')) return /[*?{[]/.test(clean) ? [] : [clean];
    const parent = clean.slice(0, -2);
    if (/[*?{[]/.test(parent)) return [];
    try {
      return readdirSync(join(root, parent), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => relative(root, join(root, parent, d.name)));
    } catch {
      return [];
    }
  });
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
