import { EventEmitter } from 'node:events';
import { PluginContainer, pluginHooks } from '@engagement/event-bus/runtime';
import { definePlugin, onStart, type PluginDefinition } from '@engagement/plugin-api';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HostLifecycle } from './lifecycle.js';
import { pluginFeatures } from './plugin-features.js';
import { exitOnShutdownSignal } from './shutdown.js';

/** A plugin recording its start and stop in `calls`; `failStart` fails its first `failStart` starts. */
function recorded(id: string, calls: string[], opts: { failStop?: boolean; failStart?: number } = {}) {
  let failures = opts.failStart ?? 0;
  return definePlugin({
    id,
    owner: '@team/test',
    listeners: [],
    start: onStart({}, () => {
      if (failures-- > 0) throw new Error(`${id} not ready`);
      calls.push(`start ${id}`);
      return () => {
        calls.push(`stop ${id}`);
        if (opts.failStop) throw new Error(`${id} cannot stop`);
      };
    }),
  });
}

/** A lifecycle with a client, the plugins' features and a pipeline, as `createEventHost` orders them. */
async function host(plugins: PluginDefinition[], calls: string[]) {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const lifecycle = new HostLifecycle({ logger, deadlineMs: 2_000, deadlineSetting: 'raise it' });
  const hooks = pluginHooks(plugins, await PluginContainer.create(plugins, []));
  const step = (name: string) => ({
    name,
    connect: { dependency: name, run: async () => void calls.push(`connect ${name}`) },
    stop: () => void calls.push(`stop ${name}`),
  });
  lifecycle.own('host.redis', calls, (c) => c.push('close host.redis'));
  lifecycle.add(step('clients'), ...pluginFeatures(hooks), step('pipeline'));
  return { lifecycle, logs };
}

describe('plugin features', () => {
  it('start after the clients and before the pipeline consumes; stop after it drained, in reverse', async () => {
    const calls: string[] = [];
    const { lifecycle } = await host([recorded('a', calls), recorded('b', calls)], calls);
    expect(await lifecycle.start()).toBe('running');
    expect(await lifecycle.stop()).toEqual({ failed: [] });
    expect(calls).toEqual([
      'connect clients',
      'start a',
      'start b',
      'connect pipeline',
      'stop pipeline',
      'stop b',
      'stop a',
      'stop clients',
      'close host.redis',
    ]);
  });

  it('retries a start that fails, like a dependency that is down, and names the plugin while waiting', async () => {
    const calls: string[] = [];
    const { lifecycle, logs } = await host([recorded('a', calls, { failStart: 1 })], calls);
    expect(await lifecycle.start()).toBe('running');
    expect(calls).toEqual(['connect clients', 'start a', 'connect pipeline']);
    expect(logs[0]).toMatchObject({ msg: 'host.start.waiting', dependency: 'plugin a (its start)' });
    await lifecycle.stop();
  });

  it('reports each failed stop by plugin, closes the rest, and the shutdown exits 1 naming them', async () => {
    const calls: string[] = [];
    const plugins = [recorded('a', calls, { failStop: true }), recorded('b', calls)];
    const { lifecycle, logs } = await host(plugins, calls);
    await lifecycle.start();
    const signals = new EventEmitter();
    const code = exitOnShutdownSignal(
      { stop: () => lifecycle.stop(), abort: () => undefined },
      { deadlineMs: 2_000, logger: pino({ level: 'silent' }), process: signals as never },
    );
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await code).toBe(1);
    expect(calls.slice(-4)).toEqual(['stop b', 'stop a', 'stop clients', 'close host.redis']);
    const { failed } = await lifecycle.stop();
    expect(failed.map((f) => f.name)).toEqual(['plugin:a']);
    expect(failed[0]!.error).toMatchObject({ code: 'EB_PLUGIN_STOP_FAILED', pluginId: 'a' });
    expect(logs.find((l) => l.msg === 'host.feature.stop_failed')).toMatchObject({ feature: 'plugin:a' });
  });
});
