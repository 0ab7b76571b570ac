import {
  type ChangeEvent,
  defineListener,
  definePlugin,
  readRow,
  silentLogger,
} from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { samplePlugin } from '../../test/sample-plugin.js';
import { SinkError } from '../errors.js';
import { createDecoder } from '../events/decode.js';
import type { KafkaRecord } from '../events/kafka-record.js';
import { fakeEvent } from '../testing/fake-events.js';
import { InMemoryDeadLetters } from '../testing/in-memory-dead-letters.js';
import { startTestHost } from '../testing/test-host.js';
import { IngestStage } from './ingest-stage.js';
import { PluginContainer } from './plugin-container.js';
import { type Admission, LocalProcessor, REDRIVE_LISTENER_HEADER } from './record-processor.js';
import { validatePlugins } from './validate-plugins.js';
import { WorkerPoolProcessor } from './worker-pool.js';

const decoderOptions = { debezium: { topicPrefix: 'app' } };
const reaction = (id: number, imageId: number) => ({ id, imageId, userId: 9, reaction: 'Like' });

/** A batch with every kind of record: changes, a tombstone, bad JSON, a failing listener, a redrive. */
function mixedBatch(): KafkaRecord[] {
  const reactions = fakeEvent.postgres('ImageReaction');
  const records = [
    reactions.created(reaction(1, 100)).record,
    { ...reactions.created(reaction(2, 100)).record, value: null },
    { ...reactions.created(reaction(3, 100)).record, value: Buffer.from('{"payload":') },
    fakeEvent.postgres('TypeProbe').created({ id: 1 }).record,
    reactions.deleted(reaction(1, 100)).record,
    {
      ...reactions.created(reaction(4, 101)).record,
      headers: { [REDRIVE_LISTENER_HEADER]: Buffer.from('sample.always-throws') },
    },
  ];
  return records.map((r, i) => ({ ...r, offset: String(i) }));
}

async function localProcessor(plugins = [samplePlugin]): Promise<LocalProcessor> {
  return new LocalProcessor({
    decode: createDecoder(decoderOptions),
    listeners: validatePlugins(plugins, []),
    container: await PluginContainer.create(plugins, []),
    logger: silentLogger,
    maxAttempts: 2,
    retryBaseMs: 1,
  });
}

/** The same processor on `threads` worker threads, which load the sample plugin's module. */
function samplePool(threads: number): WorkerPoolProcessor {
  return new WorkerPoolProcessor({
    threads,
    pluginModules: [new URL('../../test/sample-plugin.ts', import.meta.url).href],
    decoder: decoderOptions,
    maxAttempts: 2,
    logger: silentLogger,
  });
}

describe('LocalProcessor', () => {
  it('dead-letters a column that can never parse once per change and listener, after one attempt', async () => {
    const calls: Record<string, number> = {};
    const readsImageId = (id: string) =>
      defineListener({
        id,
        tables: ['ImageReaction'],
        canHandle: (e) => e.table === 'ImageReaction',
        handle(e) {
          calls[id] = (calls[id] ?? 0) + 1;
          readRow(e.after ?? {}).int('imageId');
        },
      });
    const plugin = definePlugin({
      id: 'strict',
      owner: '@team/platform',
      listeners: [readsImageId('strict.a'), readsImageId('strict.b')],
    });
    const processor = new LocalProcessor({
      decode: createDecoder(decoderOptions),
      listeners: validatePlugins([plugin], []),
      container: await PluginContainer.create([plugin], []),
      logger: silentLogger,
      maxAttempts: 3,
      retryBaseMs: 1,
    });
    const deadLetters = new InMemoryDeadLetters();
    const ingest = new IngestStage({ processor, deadLetters, store: async () => {}, commit: async () => {} });
    const bad = fakeEvent.postgres('ImageReaction').created({ ...reaction(1, 0), imageId: 'abc' }).record;
    await ingest.processBatch([{ ...bad, offset: '0' }]);
    expect(deadLetters.letters.map((l) => l.reason)).toEqual([
      expect.objectContaining({
        listenerId: 'strict.a',
        code: 'EB_LISTENER_FAILED',
        causeCode: 'EB_DECODE_BAD_VALUE',
        attempts: 1,
      }),
      expect.objectContaining({
        listenerId: 'strict.b',
        code: 'EB_LISTENER_FAILED',
        causeCode: 'EB_DECODE_BAD_VALUE',
        attempts: 1,
      }),
    ]);
    expect(calls).toEqual({ 'strict.a': 1, 'strict.b': 1 });
  });

  it('gives each record of a batch its outcome, in order', async () => {
    const { outcomes, listenerRuns } = await (await localProcessor()).process(mixedBatch());
    expect(outcomes.map((o) => o.kind)).toEqual([
      'dispatched',
      'skip',
      'invalid',
      'dispatched',
      'dispatched',
      'dispatched',
    ]);
    const [created, , invalid, probe, deleted, redriven] = outcomes;
    expect(
      created?.kind === 'dispatched' && created.metrics.map((m) => [m.metricType, m.metricValue]),
    ).toEqual([
      ['likeCount', 1],
      ['reactionCount', 1],
      ['reactionCount', 1],
    ]);
    expect(deleted?.kind === 'dispatched' && deleted.metrics.every((m) => m.metricValue === -1)).toBe(true);
    expect(invalid).toMatchObject({ kind: 'invalid', code: 'EB_DECODE_INVALID_JSON' });
    expect(probe).toMatchObject({
      kind: 'dispatched',
      metrics: [],
      failures: [{ listenerId: 'sample.always-throws', attempts: 2 }],
    });
    // A redrive runs only the named listener, which does not handle reactions: nothing runs.
    expect(redriven).toEqual({ kind: 'dispatched', metrics: [], failures: [] });
    expect(listenerRuns['sample.reactions']).toMatchObject({ ok: 2, failed: 0 });
    expect(listenerRuns['sample.always-throws']).toMatchObject({ ok: 0, retried: 1, failed: 1 });
  });

  it('keeps the outcomes of batches processed at once apart (the consumer runs partitions concurrently)', async () => {
    // An asynchronous listener whose every run waits a little, so the two batches' runs interleave.
    const waiting = defineListener({
      id: 'waiting.reactions',
      tables: ['ImageReaction'],
      canHandle: (e) => e.table === 'ImageReaction',
      async handle(e, { metrics }) {
        const r = readRow(e.after ?? e.before!);
        metrics.add({ entityType: 'Image', entityId: r.int('imageId'), metricType: 'first', metricValue: 1 });
        await new Promise((resolve) => setTimeout(resolve, r.int('id') % 3));
        metrics.add({
          entityType: 'Image',
          entityId: r.int('imageId'),
          metricType: 'second',
          metricValue: 1,
        });
      },
    });
    const processor = await localProcessor([
      definePlugin({ id: 'waiting', owner: '@team/platform', listeners: [waiting] }),
    ]);
    const reactions = fakeEvent.postgres('ImageReaction');
    const batchOf = (imageId: number) =>
      Array.from({ length: 20 }, (_, i) => reactions.created(reaction(i, imageId)).record);
    const [a, b] = await Promise.all([processor.process(batchOf(100)), processor.process(batchOf(200))]);
    for (const [batch, imageId] of [
      [a, 100],
      [b, 200],
    ] as const) {
      for (const outcome of batch.outcomes) {
        expect(outcome.kind).toBe('dispatched');
        const metrics = outcome.kind === 'dispatched' ? outcome.metrics : [];
        expect(metrics.map((m) => `${m.entityId}:${m.metricType}`)).toEqual([
          `${imageId}:first`,
          `${imageId}:second`,
        ]);
      }
    }
  });

  it('runs prefetch once per batch with the events a listener accepts, and ignores its failures', async () => {
    const seen: ChangeEvent[][] = [];
    let fail = false;
    const listener = defineListener({
      id: 'test.prefetching',
      canHandle: (e) => e.table === 'ImageReaction' && e.op === 'create',
      async prefetch(events) {
        seen.push([...events]);
        if (fail) throw new Error('lookup down');
      },
      handle(e, { metrics }) {
        metrics.add({
          entityType: 'Image',
          entityId: Number(e.after?.imageId),
          metricType: 'n',
          metricValue: 1,
        });
      },
    });
    const host = await startTestHost({
      plugins: [definePlugin({ id: 'p', owner: '@t', listeners: [listener] })],
    });
    const reactions = fakeEvent.postgres('ImageReaction');
    await host.send(
      reactions.created(reaction(1, 5)),
      reactions.deleted(reaction(1, 5)),
      reactions.created(reaction(2, 6)),
    );
    expect(seen.map((batch) => batch.map((e) => e.after?.imageId))).toEqual([[5, 6]]);
    fail = true;
    await host.send(reactions.created(reaction(3, 7)));
    await host.flush();
    expect(host.store.rows.map((r) => r.entityId)).toEqual([5, 6, 7]);
  });
});

describe('WorkerPoolProcessor', () => {
  it('produces exactly what the in-process processor produces', async () => {
    const pool = samplePool(2);
    try {
      expect(pool.threads).toBe(2);
      const batch = mixedBatch();
      const [inPool, local] = await Promise.all([
        pool.process(batch),
        (await localProcessor()).process(batch),
      ]);
      expect(inPool.outcomes).toEqual(local.outcomes);
      expect(Object.keys(inPool.listenerRuns).sort()).toEqual(Object.keys(local.listenerRuns).sort());
    } finally {
      await pool.close();
    }
  }, 30_000);
});

describe('admission (re-send filter) before listeners', () => {
  const refuseFirstChange: Admission = async (changes) => changes.map((_, i) => i !== 0);

  it('turns refused changes into resend skips, and listeners never see them (in process and in a pool)', async () => {
    const pool = samplePool(1);
    try {
      const batch = mixedBatch();
      const asked: number[][] = [];
      const admit: Admission = async (changes) => {
        asked.push(changes.map((c) => c.index));
        return refuseFirstChange(changes);
      };
      const [inPool, local] = await Promise.all([
        pool.process(batch, admit),
        (await localProcessor()).process(batch, refuseFirstChange),
      ]);
      expect(local.outcomes[0]).toEqual({ kind: 'skip', reason: 'resend' });
      expect(local.listenerRuns['sample.reactions']?.ok).toBe(1);
      expect(inPool.outcomes).toEqual(local.outcomes);
      // Every decoded change is asked about (not the tombstone nor the bad JSON), the redrive included.
      expect(asked).toEqual([[0, 3, 4, 5]]);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it("fails a pool batch with the admission's own error (a retriable Redis outage stays retriable)", async () => {
    const pool = new WorkerPoolProcessor({
      threads: 1,
      pluginModules: [new URL('../../test/sample-plugin.ts', import.meta.url).href],
      decoder: decoderOptions,
      logger: silentLogger,
    });
    const outage = new SinkError('redis', 'connection refused');
    try {
      await expect(pool.process(mixedBatch(), async () => Promise.reject(outage))).rejects.toBe(outage);
      expect((await pool.process(mixedBatch(), refuseFirstChange)).outcomes[0]).toEqual({
        kind: 'skip',
        reason: 'resend',
      });
    } finally {
      await pool.close();
    }
  }, 30_000);
});
