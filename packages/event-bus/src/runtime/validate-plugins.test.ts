import { readFileSync } from 'node:fs';
import {
  createToken,
  defineListener,
  definePlugin,
  LISTENER_CONTRACT_VERSION,
  type ListenerDefinition,
  type PluginDefinition,
  provide,
} from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { PluginError, type PluginErrorCode } from '../errors.js';
import { SUPPORTED_CONTRACT_VERSIONS, validatePlugins } from './validate-plugins.js';

const imageLookup = createToken<{ get(id: number): string }>('media.imageLookup');
const appDb = createToken<object>('app.db');

function listener(id: string, extra: Partial<ListenerDefinition> = {}): ListenerDefinition {
  return defineListener({
    id,
    tables: ['ImageReaction'],
    canHandle: (e) => e.table === 'ImageReaction',
    handle() {},
    ...extra,
  }) as ListenerDefinition;
}

const plugin = (id: string, listeners: ListenerDefinition[], extra: Partial<PluginDefinition> = {}) => ({
  ...definePlugin({ id, owner: '@team/platform', listeners }),
  ...extra,
});

/** The PluginError `validatePlugins` throws for these plugins (fails the test when it throws none). */
function failure(plugins: unknown[], hostTokens = [appDb]): PluginError {
  try {
    validatePlugins(plugins as PluginDefinition[], hostTokens);
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    return error as PluginError;
  }
  throw new Error('validatePlugins accepted the graph');
}

describe('validatePlugins', () => {
  it('accepts a valid graph in any declaration order and returns the listeners in order', () => {
    const provider = definePlugin({
      id: 'media',
      owner: '@team/media',
      listeners: [],
      services: [provide(imageLookup, { db: appDb }, () => ({ get: (id) => String(id) }))],
    });
    const user = definePlugin({
      id: 'reactions',
      owner: '@team/reactions',
      listeners: [listener('reactions.a', { deps: { images: imageLookup } }), listener('reactions.b')],
    });
    const listeners = validatePlugins([user, provider], [appDb]);
    expect(listeners.map((l) => [l.pluginId, l.listener.id])).toEqual([
      ['reactions', 'reactions.a'],
      ['reactions', 'reactions.b'],
    ]);
  });

  const cases: [string, PluginErrorCode, string, () => unknown[], RegExp][] = [
    [
      'a plugin not made by definePlugin()',
      'EB_PLUGIN_INVALID',
      'hand-made',
      () => [{ id: 'hand-made', owner: 'x', listeners: [], services: [] }],
      /was not made by definePlugin/,
    ],
    [
      'a plugin without owner',
      'EB_PLUGIN_INVALID',
      'orphan',
      () => [plugin('orphan', [], { owner: '' })],
      /has no owner/,
    ],
    [
      'a service token provided twice',
      'EB_PLUGIN_INVALID',
      'second',
      () => [
        definePlugin({
          id: 'first',
          owner: 'x',
          listeners: [],
          services: [provide(imageLookup, {}, () => ({ get: String }))],
        }),
        definePlugin({
          id: 'second',
          owner: 'x',
          listeners: [],
          services: [provide(imageLookup, {}, () => ({ get: String }))],
        }),
      ],
      /provides media\.imageLookup, already provided by plugin "first"/,
    ],
    [
      'a service token the host already provides',
      'EB_PLUGIN_INVALID',
      'shadow',
      () => [
        definePlugin({ id: 'shadow', owner: 'x', listeners: [], services: [provide(appDb, {}, () => ({}))] }),
      ],
      /provides app\.db, already provided by the host/,
    ],
    [
      'a plugin id registered twice',
      'EB_PLUGIN_DUPLICATE_ID',
      'twice',
      () => [plugin('twice', [listener('twice.a')]), plugin('twice', [listener('twice.b')])],
      /is registered twice/,
    ],
    [
      'another listener contract version',
      'EB_CONTRACT_VERSION_UNSUPPORTED',
      'future',
      () => [plugin('future', [], { contractVersion: 2 })],
      /targets listener contract v2; this host supports v1 to v1/,
    ],
    [
      'a listener not made by defineListener()',
      'EB_LISTENER_INVALID',
      'raw',
      () => [plugin('raw', [{ id: 'raw.l', canHandle: () => true, handle() {} } as never])],
      /has a listener not made by defineListener/,
    ],
    [
      'a listener without handle',
      'EB_LISTENER_INVALID',
      'half',
      () => [plugin('half', [listener('half.l', { handle: undefined as never })])],
      /listener "half\.l" lacks handle \(a function\)$/,
    ],
    [
      'a listener without canHandle',
      'EB_LISTENER_INVALID',
      'blind',
      () => [plugin('blind', [listener('blind.l', { canHandle: undefined as never })])],
      /listener "blind\.l" lacks canHandle \(a function\)$/,
    ],
    [
      'a listener that declares no tables',
      'EB_LISTENER_HANDLES_NOTHING',
      'idle',
      () => [plugin('idle', [listener('idle.l', { tables: [] })])],
      /listener "idle\.l" declares no tables/,
    ],
    [
      'a listener id in two plugins',
      'EB_LISTENER_DUPLICATE_ID',
      'b',
      () => [plugin('a', [listener('shared.l')]), plugin('b', [listener('shared.l')])],
      /listener "shared\.l" is also in plugin "a"/,
    ],
    [
      'a listener dependency nobody provides',
      'EB_DEPENDENCY_MISSING',
      'needy',
      () => [plugin('needy', [listener('needy.l', { deps: { images: imageLookup } })])],
      /listener "needy\.l" needs media\.imageLookup, which nobody provides/,
    ],
    [
      'a service dependency nobody provides',
      'EB_DEPENDENCY_MISSING',
      'svc',
      () => [
        definePlugin({
          id: 'svc',
          owner: 'x',
          listeners: [],
          services: [provide(imageLookup, { db: createToken('billing.db') }, () => ({ get: String }))],
        }),
      ],
      /service media\.imageLookup needs billing\.db, which nobody provides/,
    ],
  ];

  it.each(cases)('rejects %s with %s naming the plugin', (_, code, pluginId, plugins, message) => {
    const error = failure(plugins());
    expect(error).toMatchObject({ code, pluginId, retriable: false });
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`plugin "${pluginId}"`);
  });

  it('accepts every contract version in the host range and names both when a plugin is outside it', () => {
    const range = { min: 2, max: 3 };
    for (const version of [2, 3]) {
      expect(validatePlugins([plugin(`v${version}`, [], { contractVersion: version })], [], range)).toEqual(
        [],
      );
    }
    for (const version of [1, 4, 2.5]) {
      const error = (() => {
        try {
          validatePlugins([plugin('outside', [], { contractVersion: version })], [], range);
        } catch (e) {
          return e as PluginError;
        }
        throw new Error(`v${version} was accepted`);
      })();
      expect(error.code).toBe('EB_CONTRACT_VERSION_UNSUPPORTED');
      expect(error.message).toContain(`targets listener contract v${version}; this host supports v2 to v3`);
    }
  });

  it('supports by default the version definePlugin records', () => {
    expect(SUPPORTED_CONTRACT_VERSIONS.max).toBe(LISTENER_CONTRACT_VERSION);
    expect(() => validatePlugins([plugin('current', [])], [])).not.toThrow();
  });

  it('has a case for every code validatePlugins can throw', () => {
    const source = readFileSync(new URL('./validate-plugins.ts', import.meta.url), 'utf8');
    const thrown = new Set([...source.matchAll(/'(EB_[A-Z_]+)'/g)].map((m) => m[1]));
    expect(thrown.size).toBeGreaterThanOrEqual(7);
    expect(new Set(cases.map((c) => c[1]))).toEqual(thrown);
  });
});
