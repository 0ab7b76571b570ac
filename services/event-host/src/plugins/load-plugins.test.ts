import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken, defineListener, definePlugin } from '@engagement/plugin-api';
import { afterAll, describe, expect, it } from 'vitest';
import { HostError } from '../errors.js';
import { loadPlugins, type ModuleImporter } from './load-plugins.js';
import { pluginSettingsToken } from './settings-provisions.js';

const listener = (id: string, deps = {}) =>
  defineListener({ id, tables: ['ImageReaction'], deps, canHandle: () => true, handle() {} });
const plugin = (id: string, listeners = [listener(`${id}.l`)]) =>
  definePlugin({ id, owner: '@team/t', listeners });

/** Packages as module objects, the way `import()` would return them. */
function importer(modules: Record<string, Record<string, unknown>>): ModuleImporter {
  return async (name) => {
    const m = modules[name];
    if (!m)
      throw Object.assign(new Error(`Cannot find package '${name}' imported from /app`), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    return m;
  };
}

async function failure(p: Promise<unknown>): Promise<HostError> {
  const error = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(error).toBeInstanceOf(HostError);
  return error as HostError;
}

describe('loadPlugins', () => {
  it('loads a package by name: its plugins export, a default export, or definePlugin exports', async () => {
    const a = plugin('a');
    const b = plugin('b');
    const c = plugin('c');
    const loaded = await loadPlugins(['@x/array', '@x/default', '@x/named'], {
      importer: importer({
        '@x/array': { plugins: [a], a },
        '@x/default': { default: b },
        '@x/named': { c, helper: () => 1 },
      }),
    });
    expect(loaded.map((p) => [p.packageName, p.plugins.map((d) => d.id)])).toEqual([
      ['@x/array', ['a']],
      ['@x/default', ['b']],
      ['@x/named', ['c']],
    ]);
  });

  it('loads the real listener package through Node module resolution', async () => {
    const [pkg] = await loadPlugins(['@engagement/metric-listeners'], {
      hostTokens: [createToken('app.db')],
    });
    expect(pkg!.plugins.map((p) => p.id)).toContain('image-metrics');
  });

  it('an unknown package stops boot with EH_PLUGIN_PACKAGE_NOT_FOUND naming it', async () => {
    const e = await failure(loadPlugins(['@engagement/not-installed-anywhere']));
    expect(e.code).toBe('EH_PLUGIN_PACKAGE_NOT_FOUND');
    expect(e.message).toContain('"@engagement/not-installed-anywhere"');
    expect(e.message).toContain('is not installed');
  });

  describe('a package of the workspace that npm install has not linked yet', () => {
    // A workspace like this repository's: root package.json with workspaces, the plugin under packages/.
    const root = mkdtempSync(join(tmpdir(), 'event-host-workspace-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, json: unknown) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), JSON.stringify(json));
    };
    write('package.json', { name: 'fixture-root', private: true, workspaces: ['packages/*', 'services/*'] });
    write('packages/my-metrics/package.json', { name: '@fixture/my-metrics', version: '0.1.0' });
    write('packages/other/package.json', { name: '@fixture/other', version: '0.1.0' });
    mkdirSync(join(root, 'services', 'event-host'), { recursive: true });
    // The package really is not resolvable from the host: Node's own error is what gets explained.
    const load = (name: string) =>
      failure(loadPlugins([name], { workspaceFrom: join(root, 'services', 'event-host') }));

    it('names its folder and says to run npm install at the root', async () => {
      const e = await load('@fixture/my-metrics');
      expect(e.code).toBe('EH_PLUGIN_PACKAGE_NOT_FOUND');
      expect(e.message).toBe(
        `EH_PLUGIN_PACKAGE_NOT_FOUND: plugin package "@fixture/my-metrics" is in the workspace at ${join('packages', 'my-metrics')} but not linked into node_modules: run \`npm install\` at the repository root (${root})`,
      );
    });

    it('keeps "not installed" for a name no workspace package has, or one already linked', async () => {
      expect((await load('@fixture/nowhere')).message).toContain(
        'plugin package "@fixture/nowhere" is not installed',
      );
      mkdirSync(join(root, 'node_modules', '@fixture'), { recursive: true });
      symlinkSync(join(root, 'packages', 'other'), join(root, 'node_modules', '@fixture', 'other'));
      expect((await load('@fixture/other')).message).toContain('is not installed');
    });
  });

  it('a package that fails while loading is EH_PLUGIN_PACKAGE_FAILED, not "not found"', async () => {
    const url = new URL('./__fixtures__/broken-dependency.mjs', import.meta.url).href;
    const e = await failure(loadPlugins([url]));
    expect(e.code).toBe('EH_PLUGIN_PACKAGE_FAILED');
    expect(e.message).toContain('@engagement/this-dependency-does-not-exist');
    const throwing = await failure(
      loadPlugins(['@x/throws'], {
        importer: async () => {
          throw new Error('top-level await rejected');
        },
      }),
    );
    expect(throwing.message).toContain('plugin package "@x/throws" failed to load: top-level await rejected');
  });

  it('a package exporting no plugin is EH_PLUGIN_NO_EXPORT naming it', async () => {
    const none = await failure(
      loadPlugins(['@x/empty'], { importer: importer({ '@x/empty': { helper: 1 } }) }),
    );
    expect(none.code).toBe('EH_PLUGIN_NO_EXPORT');
    expect(none.message).toContain('plugin package "@x/empty" exports no plugin');
    const wrong = await failure(
      loadPlugins(['@x/wrong'], {
        importer: importer({ '@x/wrong': { plugins: [plugin('ok'), { id: 'fake' }] } }),
      }),
    );
    expect(wrong.code).toBe('EH_PLUGIN_NO_EXPORT');
    expect(wrong.message).toContain(
      '"@x/wrong": its "plugins"/default export has an entry (#1) not made by definePlugin()',
    );
  });

  it('a plugin graph that fails validation is EH_PLUGIN_INVALID naming the package and the plugin', async () => {
    const dup = await failure(
      loadPlugins(['@x/one', '@x/two'], {
        importer: importer({
          '@x/one': { plugins: [plugin('same')] },
          '@x/two': { plugins: [plugin('same', [listener('other')])] },
        }),
      }),
    );
    expect(dup.code).toBe('EH_PLUGIN_INVALID');
    expect(dup.message).toContain('packages "@x/one" and "@x/two": EB_PLUGIN_DUPLICATE_ID: plugin "same"');
    const needsDb = plugin('needs-db', [listener('needs-db.l', { db: createToken('app.db') })]);
    const missing = await failure(
      loadPlugins(['@x/db'], {
        importer: importer({ '@x/db': { plugins: [needsDb] } }),
        providedBySetting: { 'app.db': 'EVENT_HOST_POSTGRES_URL' },
      }),
    );
    expect(missing.message).toContain(
      'package "@x/db": EB_DEPENDENCY_MISSING: plugin "needs-db": listener "needs-db.l" needs app.db, which nobody provides (the host provides it when EVENT_HOST_POSTGRES_URL is set)',
    );
  });

  it('plugin settings satisfy a `<plugin-id>.settings` dependency; settings for an unknown plugin are rejected', async () => {
    const configured = plugin('tuned', [listener('tuned.l', { settings: pluginSettingsToken('tuned') })]);
    const modules = importer({ '@x/tuned': { plugins: [configured] } });
    await expect(loadPlugins(['@x/tuned'], { importer: modules })).rejects.toThrow(/needs tuned\.settings/);
    await expect(
      loadPlugins(['@x/tuned'], { importer: modules, settings: { tuned: { level: 3 } } }),
    ).resolves.toHaveLength(1);
    const unknown = await failure(
      loadPlugins(['@x/tuned'], { importer: modules, settings: { tuned: {}, tunde: {} } }),
    );
    expect(unknown.code).toBe('EH_CONFIG_INVALID');
    expect(unknown.message).toContain(
      'EVENT_HOST_PLUGIN_SETTINGS (plugins.settings): expected keys that are ids of loaded plugins (tuned), got "tunde"',
    );
  });
});
