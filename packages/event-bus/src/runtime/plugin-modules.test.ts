import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createToken, definePlugin, provide } from '@engagement/plugin-api';
import { afterAll, describe, expect, it } from 'vitest';
import { PluginError } from '../errors.js';
import { PluginContainer } from './plugin-container.js';
import { loadPluginModules, loadProvisionsModule } from './plugin-modules.js';

const dir = mkdtempSync(join(tmpdir(), 'plugin-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A module on disk, by file URL, the way pool threads name plugin packages they cannot receive. */
function moduleFile(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return pathToFileURL(file).href;
}

async function failure(p: Promise<unknown>): Promise<PluginError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginError);
  return error as PluginError;
}

describe('loadPluginModules', () => {
  it('collects the plugins a module exports and names a module that is missing or exports none', async () => {
    const plugins = await loadPluginModules([new URL('../../test/sample-plugin.ts', import.meta.url).href]);
    expect(plugins.map((p) => p.id)).toEqual(['sample']);
    await expect(loadPluginModules(['@engagement/no-such-plugins'])).rejects.toMatchObject({
      code: 'EB_PLUGIN_MODULE_NOT_FOUND',
      pluginId: '@engagement/no-such-plugins',
    });
    await expect(loadPluginModules([new URL('./backoff.ts', import.meta.url).href])).rejects.toMatchObject({
      code: 'EB_PLUGIN_MODULE_EMPTY',
    });
  });

  it('rejects a package that is not installed with EB_PLUGIN_MODULE_NOT_FOUND naming it', async () => {
    const error = await failure(loadPluginModules(['@engagement/not-installed-anywhere']));
    expect(error).toMatchObject({
      code: 'EB_PLUGIN_MODULE_NOT_FOUND',
      pluginId: '@engagement/not-installed-anywhere',
    });
    expect(error.message).toContain('not found');
  });

  it('rejects a module that exports no plugin with EB_PLUGIN_MODULE_EMPTY', async () => {
    const url = moduleFile('empty.mjs', 'export const helper = 1;\n');
    const error = await failure(loadPluginModules([url]));
    expect(error).toMatchObject({ code: 'EB_PLUGIN_MODULE_EMPTY', pluginId: url });
  });

  it('rejects a module whose import throws with EB_PLUGIN_INVALID and the reason', async () => {
    const url = moduleFile('throws.mjs', "throw new Error('no config at import');\n");
    const error = await failure(loadPluginModules([url]));
    expect(error.code).toBe('EB_PLUGIN_INVALID');
    expect(error.message).toContain('import failed: no config at import');
  });

  it('rejects a provisions module without provisions', async () => {
    const url = moduleFile('no-provisions.mjs', 'export const other = [];\n');
    const error = await failure(loadProvisionsModule(url));
    expect(error.message).toContain('provisions module must export `provisions`');
  });
});

describe('PluginContainer', () => {
  it('rejects services that depend on each other with EB_PLUGIN_INVALID naming the plugin', async () => {
    const a = createToken<object>('cycle.a');
    const b = createToken<object>('cycle.b');
    const plugin = definePlugin({
      id: 'loop',
      owner: '@team/t',
      listeners: [],
      services: [provide(a, { b }, () => ({})), provide(b, { a }, () => ({}))],
    });
    const error = await failure(PluginContainer.create([plugin], []));
    expect(error).toMatchObject({ code: 'EB_PLUGIN_INVALID', pluginId: 'loop' });
    expect(error.message).toMatch(/service cycle\.[ab] depends on itself \(cycle\)/);
  });
});
