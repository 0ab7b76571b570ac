import { createToken, definePlugin, onStart, type PluginDefinition, provide } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { PluginError } from '../errors.js';
import { PluginContainer } from './plugin-container.js';
import { pluginHooks, startPluginHooks, stopPluginHooks } from './plugin-hooks.js';
import { validatePlugins } from './validate-plugins.js';

/** A plugin whose start and stop record themselves in `calls`; `fail` makes one of them throw. */
function recorded(id: string, calls: string[], fail?: 'start' | 'stop'): PluginDefinition {
  return definePlugin({
    id,
    owner: '@team/test',
    listeners: [],
    start: onStart({}, () => {
      if (fail === 'start') throw new Error(`${id} cannot start`);
      calls.push(`start ${id}`);
      return () => {
        if (fail === 'stop') throw new Error(`${id} cannot stop`);
        calls.push(`stop ${id}`);
      };
    }),
  });
}

async function hooksOf(plugins: readonly PluginDefinition[]) {
  return pluginHooks(plugins, await PluginContainer.create(plugins, []));
}

describe('plugin hooks', () => {
  it('starts in plugin order and stops in reverse; plugins without a start have no hook', async () => {
    const calls: string[] = [];
    const plain = definePlugin({ id: 'plain', owner: '@team/test', listeners: [] });
    expect('start' in plain).toBe(false);
    const hooks = await hooksOf([recorded('a', calls), plain, recorded('b', calls)]);
    expect(hooks.map((h) => h.pluginId)).toEqual(['a', 'b']);
    await startPluginHooks(hooks);
    expect(await stopPluginHooks(hooks)).toEqual([]);
    expect(calls).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('hands the start its dependencies, resolved from the plugins container', async () => {
    const clockToken = createToken<{ now: number }>('test.clock');
    let seen: unknown;
    const plugin = definePlugin({
      id: 'timed',
      owner: '@team/test',
      listeners: [],
      services: [provide(clockToken, {}, () => ({ now: 42 }))],
      start: onStart({ clock: clockToken }, ({ clock }) => {
        seen = clock.now;
        return undefined;
      }),
    });
    const [hook] = await hooksOf([plugin]);
    await hook!.start();
    expect(seen).toBe(42);
    await hook!.stop(); // no stop returned: nothing to run
  });

  it('reports each failed stop by plugin id and still stops the others', async () => {
    const calls: string[] = [];
    const hooks = await hooksOf([recorded('a', calls), recorded('b', calls, 'stop'), recorded('c', calls)]);
    await startPluginHooks(hooks);
    const failed = await stopPluginHooks(hooks);
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop a']);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toBeInstanceOf(PluginError);
    expect(failed[0]).toMatchObject({ code: 'EB_PLUGIN_STOP_FAILED', pluginId: 'b' });
    expect(failed[0]!.message).toBe('EB_PLUGIN_STOP_FAILED: plugin "b": stop failed: b cannot stop');
    // A stop runs once: stopping again does nothing.
    expect(await stopPluginHooks(hooks)).toEqual([]);
    expect(calls).toHaveLength(5);
  });

  it('a failed start names its plugin and stops the ones started before it, in reverse', async () => {
    const calls: string[] = [];
    const hooks = await hooksOf([
      recorded('a', calls),
      recorded('b', calls),
      recorded('c', calls, 'start'),
      recorded('d', calls),
    ]);
    const error = await startPluginHooks(hooks).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EB_PLUGIN_START_FAILED', pluginId: 'c' });
    expect((error as Error).message).toBe('EB_PLUGIN_START_FAILED: plugin "c": start failed: c cannot start');
    expect(calls).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('a failed start whose clean-up fails too reports both', async () => {
    const calls: string[] = [];
    const hooks = await hooksOf([recorded('a', calls, 'stop'), recorded('b', calls, 'start')]);
    const error = await startPluginHooks(hooks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: PluginError) => [e.code, e.pluginId])).toEqual([
      ['EB_PLUGIN_START_FAILED', 'b'],
      ['EB_PLUGIN_STOP_FAILED', 'a'],
    ]);
  });

  it('a start needing a token nobody provides fails validation at boot', () => {
    const missing = createToken<string>('test.missing');
    const plugin = definePlugin({
      id: 'needy',
      owner: '@team/test',
      listeners: [],
      start: onStart({ value: missing }, () => undefined),
    });
    expect(() => validatePlugins([plugin], [])).toThrow(
      'plugin "needy": its start needs test.missing, which nobody provides',
    );
  });
});
