import { type EntityMetricEvent, silentLogger } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { fakeEvent } from '../testing/fake-events.js';
import { InMemoryDeadLetters } from '../testing/in-memory-dead-letters.js';
import { dispatchedMetrics, type EncodedMetrics, encodeMetrics } from './encoded-metrics.js';
import { IngestStage } from './ingest-stage.js';
import type { MetricTopicMessage } from './ports.js';
import { publishMetricEvents } from './publish-metric-events.js';
import type { BatchOutcome, RecordProcessor } from './record-processor.js';
import { WorkerPoolProcessor } from './worker-pool.js';

const reactions = fakeEvent.postgres('ImageReaction');
/** Reactions from two origins (partitions), several metric events each, one deleted again. */
function reactionBatch() {
  const rows = [1, 2, 3, 4, 5, 6].map((id) => ({
    id,
    imageId: 100 + (id % 3),
    userId: id,
    reaction: 'Like',
  }));
  const records = [
    ...rows.map((r) => reactions.created(r).record),
    reactions.deleted(rows[1]!).record,
    reactions.onPartition(1).created({ ...rows[2]!, id: 7 }).record,
  ];
  return records.map((r, i) => ({ ...r, offset: String(i) }));
}

/** A metric-topic writer that keeps every request. */
function recordingTopic() {
  const requests: MetricTopicMessage[][] = [];
  return {
    requests,
    send: async (messages: readonly MetricTopicMessage[]) => void requests.push([...messages]),
  };
}

/** One pool thread running the sample plugin. */
function samplePluginPool() {
  return new WorkerPoolProcessor({
    threads: 1,
    pluginModules: [new URL('../../test/sample-plugin.ts', import.meta.url).href],
    decoder: { debezium: { topicPrefix: 'app' } },
    logger: silentLogger,
  });
}

describe('metric events serialised where the listeners ran', () => {
  it('come back from pool threads as exactly the text the main thread would make', async () => {
    const pool = samplePluginPool();
    try {
      const batch = await pool.process(reactionBatch());
      const metrics = dispatchedMetrics(batch.outcomes);
      expect(metrics.length).toBeGreaterThan(20);
      expect(batch.encoded).toEqual(encodeMetrics(metrics));
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('are published as the same requests, headers and bytes as events serialised on the main thread', async () => {
    const pool = samplePluginPool();
    try {
      const batch = await pool.process(reactionBatch());
      const metrics = dispatchedMetrics(batch.outcomes);
      const [fromPool, fromEvents] = [recordingTopic(), recordingTopic()];
      const json = await publishMetricEvents(fromPool, metrics, { stored: false, encoded: batch.encoded });
      expect(json).toBe(batch.encoded!.json);
      expect(await publishMetricEvents(fromEvents, metrics, { stored: false })).toEqual(json);
      expect(fromPool.requests).toEqual(fromEvents.requests);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('reach publish, and the store as the rows publish returned (or as they are without a publish)', async () => {
    const event = (entityId: number): EntityMetricEvent => ({
      eventId: `e${entityId}`,
      entityType: 'Image',
      entityId,
      userId: 1,
      metricType: 'likeCount',
      metricValue: 1,
      createdAt: new Date(0),
      origin: 'o',
      originSeq: entityId,
    });
    const metrics = [event(1), event(2)];
    const encoded: EncodedMetrics = encodeMetrics(metrics);
    const processor: RecordProcessor = {
      process: async (): Promise<BatchOutcome> => ({
        outcomes: [{ kind: 'dispatched', metrics, failures: [] }],
        listenerRuns: {},
        encoded,
      }),
      close: async () => {},
    };
    for (const withPublish of [true, false]) {
      const published: (EncodedMetrics | undefined)[] = [];
      const stored: (readonly string[] | undefined)[] = [];
      const ingest = new IngestStage({
        processor,
        deadLetters: new InMemoryDeadLetters(),
        store: async (_rows, lines) =>
          void stored.push(lines?.flatMap((b) => b.bytes.toString().split('\n').slice(0, b.rows))),
        publish: withPublish
          ? async (_rows, given) => {
              published.push(given);
              return given?.json;
            }
          : undefined,
        commit: async () => {},
      });
      await ingest.processBatch([
        reactions.created({ id: 1, imageId: 1, userId: 1, reaction: 'Like' }).record,
      ]);
      await ingest.flush();
      expect(published).toEqual(withPublish ? [encoded] : []);
      expect(stored).toEqual([encoded.json]);
    }
  });
});
