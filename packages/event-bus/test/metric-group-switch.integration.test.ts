import { silentLogger } from '@engagement/plugin-api';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EventPipeline } from '../src/kafka/create-pipeline.js';
import { fetchHostGroupOffsets, metricGroupOf } from '../src/kafka/metric-group.js';
import { fetchTopicOffsets } from '../src/kafka/topics.js';
import { createMetricReader } from '../src/reader/index.js';
import { cacheWatermarkKey } from '../src/sinks/redis/cache-keys.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';
import { startReactionPipeline } from './reaction-stack.js';
import {
  expectCachedExact,
  METRICS,
  type ReactionTraffic,
  reactionTraffic,
  settle,
} from './reaction-traffic.js';

// A deployment switching to the metric group. The version before read the metric topic in the host group and
// committed its offsets there; the first start of this version finds no offsets in `<groupId>.metrics`. Each
// metric partition must start where the host group had committed it (here a few records before what Redis
// applied, as after a crash between apply and commit), and every cached field must end exact: nothing lost,
// nothing counted twice.

const SOURCE_TOPIC = 'app.public.ImageReaction';
/** Records of each metric partition the old version applied but had not committed. */
const UNCOMMITTED = 3;

let stack: StackConnections;
let admin: Admin;
let pipeline: EventPipeline | undefined;
let traffic: ReactionTraffic;
let scope: string;
let metricTopic: string;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await connectStack();
  admin = stack.kafka.admin();
  await admin.connect();
  traffic = await reactionTraffic(stack, 'switch', { images: 10, fans: 12 });
  scope = stack.unique('switch');
  metricTopic = stack.unique('switch.metrics');
});

afterAll(async () => {
  await pipeline?.close();
  await admin?.disconnect();
  await stack?.close();
});

/** Streams reactions for `ms`, then waits until ClickHouse and the cache hold all of them. */
async function trafficFor(ms: number) {
  let streaming = true;
  const stream = traffic.stream(() => streaming);
  await sleep(ms);
  streaming = false;
  await stream;
  return settle(traffic, stack.clickhouse, stack.redis, cacheWatermarkKey(scope));
}

it('starts each metric partition where the host group committed it, and every count stays exact', {
  timeout: 240_000,
}, async () => {
  // This version, in group `before`, makes the state an older deployment would have left: increments
  // applied to cached hashes, the metric topic's offsets committed.
  const before = stack.unique('switch-before');
  pipeline = await startReactionPipeline(stack, traffic, 'switch', {
    groupId: before,
    metricTopic,
    cacheScope: scope,
    flushIntervalMs: 150,
  });
  await sleep(1_000);
  await createMetricReader({ redis: stack.redis, clickhouse: stack.clickhouse }).getMetrics({
    entityType: traffic.entityType,
    entityIds: traffic.images,
    metrics: METRICS,
    timeframes: ['day', 'all'],
  });
  await trafficFor(2_000);
  const appliedBefore = pipeline.stats.cacheEventsApplied;
  await pipeline.close();
  pipeline = undefined;

  // The older deployment's host group `host`: the source topic where `before` committed it, the metric topic
  // UNCOMMITTED records behind (the metric group of `host` has nothing).
  const host = stack.unique('switch-host');
  const [source] = await fetchHostGroupOffsets(admin, before, [SOURCE_TOPIC]);
  const [metrics] = await admin.fetchOffsets({ groupId: metricGroupOf(before), topics: [metricTopic] });
  const formerOffsets = metrics!.partitions
    .filter((p) => Number(p.offset) >= UNCOMMITTED)
    .map((p) => ({ partition: p.partition, offset: String(Number(p.offset) - UNCOMMITTED) }));
  expect(formerOffsets.length, 'metric partitions with records').toBeGreaterThan(0);
  await admin.setOffsets({
    groupId: host,
    topic: SOURCE_TOPIC,
    partitions: source!.partitions.filter((p) => Number(p.offset) >= 0),
  });
  await admin.setOffsets({ groupId: host, topic: metricTopic, partitions: formerOffsets });

  const started: { partition: number; offset: string }[] = [];
  const logger = {
    ...silentLogger,
    info(obj: object | string, msg?: string) {
      if (msg === 'consumer.metric_group.started_from_former_group')
        started.push(obj as { partition: number; offset: string });
    },
  };
  pipeline = await startReactionPipeline(stack, traffic, 'switch', {
    groupId: host,
    metricTopic,
    cacheScope: scope,
    flushIntervalMs: 150,
    logger: { ...logger, child: () => logger },
  });
  const expected = await trafficFor(2_000);
  const ends = await fetchTopicOffsets(admin, metricTopic);
  await waitFor(
    async () => (await admin.fetchOffsets({ groupId: metricGroupOf(host), topics: [metricTopic] }))[0]!,
    (t) =>
      ends.every(
        (e) => e.high === '0' || t.partitions.find((p) => p.partition === e.partition)?.offset === e.high,
      ),
    60_000,
    'the metric group to commit the end of the metric topic',
  );
  console.log(
    'metric group switch',
    JSON.stringify({ formerOffsets, started, ends, appliedBefore, stats: pipeline.stats }),
  );

  await expectCachedExact(traffic, stack.clickhouse, stack.redis, expected);
  expect(
    started
      .map((s) => ({ partition: s.partition, offset: s.offset }))
      .sort((a, b) => a.partition - b.partition),
  ).toEqual([...formerOffsets].sort((a, b) => a.partition - b.partition));
  expect(pipeline.stats.cacheRollbacks).toBe(0);
  // Only the UNCOMMITTED records were read again: from the topic's beginning, every event applied before the
  // switch would have been skipped as a replay.
  expect(pipeline.stats.cacheEventsSkipped).toBeGreaterThan(0);
  expect(pipeline.stats.cacheEventsSkipped).toBeLessThan(appliedBefore);
});
