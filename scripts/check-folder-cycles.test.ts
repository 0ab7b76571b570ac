import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkFolderCycles, folderCycles, folderGraph } from './check-folder-cycles.mjs';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A package `src` with the given files (path → text). */
function sourceTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'folder-cycles-'));
  made.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('folder cycles', () => {
  it('names a cycle between folders, with one import per step', () => {
    const src = sourceTree({
      'kafka/pipeline.ts': "import { Stage } from '../runtime/stage.js';\n",
      'runtime/stage.ts': "import type { Letter } from '../kafka/letters.js';\n",
      'kafka/letters.ts': 'export interface Letter {}\n',
    });
    expect(folderCycles(folderGraph(src))).toEqual([
      {
        folders: ['kafka', 'runtime', 'kafka'],
        imports: ['kafka/pipeline.ts → ../runtime/stage.js', 'runtime/stage.ts → ../kafka/letters.js'],
      },
    ]);
  });

  it('counts sub-folders with their top-level folder, and re-exports and dynamic imports as imports', () => {
    const src = sourceTree({
      'sinks/redis/cache.ts': "export { x } from '../../runtime/ports.js';\n",
      'runtime/ports.ts': "export const load = () => import('../sinks/search/queue.js');\n",
      'sinks/search/queue.ts': "import { y } from '../redis/cache.js';\n",
    });
    expect(folderCycles(folderGraph(src)).map((c) => c.folders)).toEqual([['runtime', 'sinks', 'runtime']]);
  });

  it('accepts one-way imports, tests that use other folders, and the entry that re-exports everything', () => {
    const src = sourceTree({
      'index.ts': "export * from './runtime/stage.js';\nexport * from './kafka/pipeline.js';\n",
      'errors.ts': 'export class E {}\n',
      'kafka/pipeline.ts':
        "import { Stage } from '../runtime/stage.js';\nimport { E } from '../errors.js';\n",
      'runtime/stage.ts': "import { E } from '../errors.js';\n",
      'runtime/stage.test.ts': "import { p } from '../kafka/pipeline.js';\n",
    });
    expect(folderCycles(folderGraph(src))).toEqual([]);
  });

  it('finds none in any package of this repository', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    expect(checkFolderCycles(root)).toEqual([]);
  });
});
