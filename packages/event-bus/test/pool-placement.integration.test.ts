// Where a host with a worker pool applies its metric batches: a source backlog's on the pool threads (the
// main thread's time is what bounds a backlog), a live host's on the main thread (a thread busy with source
// batches delayed them by hundreds of ms: docs/performance-history.md, "Session of 2026-12-04, afternoon").
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPipeline } from '../src/kafka/create-pipeline.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';
import { startSyntheticPipeline } from './reaction-stack.js';
import { samplePlugin } from './sample-plugin.js';
import { groupLag, produceAll, syntheticReactions } from './synthetic-reactions.js';

let stack: StackConnections;
let admin: Admin;
let pipeline: EventPipeline | undefined;
let topic: string;

beforeAll(async () => {
  stack = await connectStack();
  admin = stack.kafka.admin();
  await admin.connect();
  topic = stack.unique('placement.reactions');
  await ensureTopics(admin, [topic], { numPartitions: 3 });
});

afterAll(async () => {
  await pipeline?.close();
  await admin?.deleteTopics({ topics: [topic, `${topic}.metrics`, `${topic}.dlq`] }).catch(() => undefined);
  await admin?.disconnect();
  await stack?.close();
});

describe('a worker pool host placing its metric batches', () => {
  it("applies a backlog's batches on the threads and a live host's on the main thread", async () => {
    const groupId = stack.unique('placement');
    const backlog = syntheticReactions({
      creates: 6_000,
      deleteEvery: 10,
      images: 50,
      users: 20,
      partitions: 3,
    });
    await produceAll(stack.kafka, topic, backlog.messages);
    pipeline = await startSyntheticPipeline(stack, topic, samplePlugin, {
      groupId,
      // Options rather than a decoder: each pool thread builds its own.
      decode: {
        debezium: { topicPrefix: 'app' },
        overrides: { [topic]: { kind: 'debezium', schema: 'public', table: 'ImageReaction' } },
      },
      workerThreads: 1,
      pluginModules: [new URL('./sample-plugin.ts', import.meta.url).href],
      redisConnection: { url: stack.env.REDIS_URL! },
      // Every batch is large enough: only whether the host is live decides.
      poolMetricMinBytes: 0,
      // Small source fetches, so the backlog takes several per partition, each leaving records behind it.
      maxBytesPerPartition: 64 * 1024,
      flushIntervalMs: 200,
    });
    const caughtUp = () => groupLag(admin, groupId, [topic, `${topic}.metrics`]);
    await waitFor(
      caughtUp,
      (l) => l.caughtUp && pipeline!.stats.consumed >= backlog.messages.length,
      60_000,
      'the backlog applied',
    );
    const onThreads = pipeline.stats.cacheBatchesOnThreads;
    expect(onThreads).toBeGreaterThan(0);

    // Live: caught up for longer than the consumer's hold (5 s), then a trickle of changes.
    await new Promise((r) => setTimeout(r, 6_000));
    const live = syntheticReactions({
      creates: 200,
      deleteEvery: 10,
      images: 10,
      users: 10,
      partitions: 3,
      firstLsn: backlog.nextLsn,
    });
    const applied = pipeline.stats.cacheEventsApplied + pipeline.stats.cacheEventsSkipped;
    for (let i = 0; i < live.messages.length; i += 20) {
      await produceAll(stack.kafka, topic, live.messages.slice(i, i + 20));
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(caughtUp, (l) => l.caughtUp, 60_000, 'the live changes applied');
    // The live changes did reach the cache, and no thread applied them.
    expect(pipeline.stats.cacheEventsApplied + pipeline.stats.cacheEventsSkipped).toBeGreaterThan(applied);
    expect(pipeline.stats.cacheBatchesOnThreads).toBe(onThreads);
  }, 120_000);
});
