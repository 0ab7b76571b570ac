import { definePlugin, onStart, type PluginDefinition } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { startedPlugin, startsInThisThread } from '../../test/started-plugin.js';
import { createDecoder } from '../events/decode.js';
import { assemblePipeline } from '../runtime/assemble-pipeline.js';
import { startPluginHooks, stopPluginHooks } from '../runtime/plugin-hooks.js';
import { FAKE_TOPIC_PREFIX, fakeEvent } from './fake-events.js';
import { inMemoryPorts } from './in-memory-ports.js';
import { startTestHost } from './test-host.js';

const like = { id: 1, imageId: 1, userId: 1, reaction: 'Like' };

/** A plugin whose start and stop are recorded in `calls`; its stop throws when `failStop` is set. */
function recorded(id: string, calls: string[], failStop = false): PluginDefinition {
  return definePlugin({
    id,
    owner: '@team/test',
    listeners: [],
    start: onStart({}, () => {
      calls.push(`start ${id}`);
      return () => {
        calls.push(`stop ${id}`);
        if (failStop) throw new Error(`${id} cannot stop`);
      };
    }),
  });
}

describe('startTestHost and plugin starts', () => {
  it('runs the starts before it resolves (before any event) and the stops in reverse on stop()', async () => {
    const calls: string[] = [];
    const host = await startTestHost({ plugins: [recorded('a', calls), recorded('b', calls)] });
    expect(calls).toEqual(['start a', 'start b']);
    await host.stop();
    expect(calls).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('rejects stop() naming every plugin whose stop failed, after all stops ran', async () => {
    const calls: string[] = [];
    const plugins = [recorded('a', calls, true), recorded('b', calls), recorded('c', calls, true)];
    const host = await startTestHost({ plugins });
    const error = await host.stop().catch((e: unknown) => e);
    expect(calls.slice(3)).toEqual(['stop c', 'stop b', 'stop a']);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as Error).message).toBe('plugin stops failed: c, a');
  });

  it('listeners see what the start did, with fake events', async () => {
    const before = startsInThisThread.starts;
    const host = await startTestHost({ plugins: [startedPlugin] });
    await host.send(fakeEvent.postgres('ImageReaction').created(like));
    await host.flush();
    expect(host.store.rows.map((r) => r.metricValue)).toEqual([before + 1]);
    await host.stop();
  });
});

describe('plugin starts with a worker pool', () => {
  it('run on the main thread only: pool threads build the services and run listeners, start nothing', async () => {
    const adapters = inMemoryPorts();
    const pipeline = await assemblePipeline(
      adapters.ports,
      { plugins: [startedPlugin] },
      {
        decode: { debezium: { topicPrefix: FAKE_TOPIC_PREFIX } },
        workerThreads: 1,
        pluginModules: [new URL('../../test/started-plugin.ts', import.meta.url).href],
        flushIntervalMs: Number.POSITIVE_INFINITY,
      },
    );
    const { starts, stops } = startsInThisThread;
    try {
      await startPluginHooks(pipeline.hooks);
      expect(startsInThisThread.starts).toBe(starts + 1);
      await pipeline.source.send([fakeEvent.postgres('ImageReaction').created(like).record]);
      await pipeline.ingest.flush();
      // The listener ran on the pool thread, where the start never ran.
      expect(adapters.store.rows.map((r) => r.metricValue)).toEqual([0]);
      expect(await stopPluginHooks(pipeline.hooks)).toEqual([]);
      expect(startsInThisThread.stops).toBe(stops + 1);
    } finally {
      await pipeline.processor.close();
    }
  }, 30_000);

  it('in process, the same listener sees the start (the contrast that makes the pool test meaningful)', async () => {
    const adapters = inMemoryPorts();
    const pipeline = await assemblePipeline(
      adapters.ports,
      { plugins: [startedPlugin] },
      { decode: createDecoder({ debezium: { topicPrefix: FAKE_TOPIC_PREFIX } }) },
    );
    await startPluginHooks(pipeline.hooks);
    await pipeline.source.send([fakeEvent.postgres('ImageReaction').created(like).record]);
    await pipeline.ingest.flush();
    expect(adapters.store.rows.map((r) => r.metricValue)).toEqual([startsInThisThread.starts]);
    await stopPluginHooks(pipeline.hooks);
  });
});
