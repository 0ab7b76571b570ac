import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPlugin } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { plugins } from '../index.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const codeowners = readFileSync(
  fileURLToPath(new URL('../../../../.github/CODEOWNERS', import.meta.url)),
  'utf8',
);

/** folder → owner, from the CODEOWNERS lines for plugin folders. */
const owners = new Map(
  [...codeowners.matchAll(/^\/packages\/metric-listeners\/src\/([\w-]+)\/\s+(\S+)/gm)].map((m) => [
    m[1]!,
    m[2]!,
  ]),
);

describe('plugin ownership', () => {
  it('every plugin folder is in CODEOWNERS with the owner its plugin declares', async () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((d) => d.isDirectory() && readdirSync(`${src}/${d.name}`).includes('index.ts'))
      .map((d) => d.name);
    const seen: string[] = [];
    for (const folder of folders) {
      const mod = (await import(/* @vite-ignore */ `${src}${folder}/index.ts`)) as Record<string, unknown>;
      const own = Object.values(mod).filter(isPlugin);
      expect(own, `${folder}/index.ts exports one plugin`).toHaveLength(1);
      expect(owners.get(folder), `CODEOWNERS entry for src/${folder}/`).toBe(own[0]!.owner);
      seen.push(own[0]!.id);
    }
    expect(seen.sort()).toEqual(plugins.map((p) => p.id).sort());
  });

  it('plugin ids, listener ids and owners are unique and set', () => {
    const ids = plugins.flatMap((p) => p.listeners.map((l) => l.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(plugins.map((p) => p.id)).size).toBe(plugins.length);
    for (const p of plugins) expect(p.owner).toMatch(/^@team\/[a-z-]+$/);
  });
});
