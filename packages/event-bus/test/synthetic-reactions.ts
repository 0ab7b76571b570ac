// Synthetic Debezium traffic for the crash and backpressure tests: ImageReaction creates and deletes
// (JSON without schema, the shape src/testing/fake-events.ts produces, plus Debezium's source.sequence, so
// the re-send filter decides every change and its positions travel with the commits), the truth the sample
// listener must arrive at, and helpers to produce them, prefill Redis and compare what the sinks hold.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { seededRandom } from '../../../scripts/sample-traffic/random.js';
import { fetchHostGroupOffsets } from '../src/kafka/metric-group.js';
import { fetchTopicOffsets } from '../src/kafka/topics.js';
import { readMetricTotals } from '../src/sinks/clickhouse/metric-totals.js';
import { type CacheKeyScheme, defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';

/** The fields `sample.reactions` increments on an image hash. */
export const IMAGE_FIELDS = ['likeCount', 'heartCount', 'laughCount', 'cryCount', 'reactionCount'] as const;
const REACTIONS = ['Like', 'Heart', 'Laugh', 'Cry'] as const;

export interface SyntheticMessage {
  partition: number;
  key: string;
  value: string;
}

export interface SyntheticReactions {
  messages: SyntheticMessage[];
  /** `entityType:entityId:metricType` → expected total. */
  truth: Map<string, number>;
  /** Metric events the listener emits for all messages (3 per change). */
  metricEvents: number;
  imageIds: number[];
  userIds: number[];
}

/**
 * `creates` reaction rows over `images` images and `users` users, and a delete of an earlier row after
 * every `deleteEvery` creates, spread round-robin over `partitions` partitions. Ids start at a random base
 * far above real rows, so Redis keys never collide with other tests or earlier runs.
 */
export function syntheticReactions(options: {
  creates: number;
  deleteEvery: number;
  images: number;
  users: number;
  partitions: number;
  seed?: number;
  /**
   * LSN of the first change (default 50,000,000). Traffic made in several calls for one topic must continue
   * from the last call's LSN: the re-send filter drops changes whose positions do not go up.
   */
  firstLsn?: number;
}): SyntheticReactions & { seed: number; nextLsn: number } {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  // The sample traffic's seeded PRNG (mulberry32): a failing run can be reproduced from its seed.
  const random = seededRandom(seed);
  const base = 3_000_000_000 + Math.floor(random() * 1_000_000) * 1_000;
  const imageIds = Array.from({ length: options.images }, (_, i) => base + i);
  const userIds = Array.from({ length: options.users }, (_, i) => base + 500 + i);
  const truth = new Map<string, number>();
  const add = (type: string, id: number, metric: string, delta: number) => {
    const k = `${type}:${id}:${metric}`;
    truth.set(k, (truth.get(k) ?? 0) + delta);
  };
  const apply = (row: { imageId: number; userId: number; reaction: string }, sign: 1 | -1) => {
    add('Image', row.imageId, `${row.reaction.toLowerCase()}Count`, sign);
    add('Image', row.imageId, 'reactionCount', sign);
    add('User', row.userId, 'reactionCount', sign);
  };

  const messages: SyntheticMessage[] = [];
  const live: { id: number; imageId: number; userId: number; reaction: string; createdAt: number }[] = [];
  const at = Date.now();
  let lsn = options.firstLsn ?? 50_000_000;
  const emit = (op: 'c' | 'd', row: (typeof live)[number]) => {
    // One change per transaction: the previous change's lsn is the last commit before this one.
    const sequence = JSON.stringify([String(lsn - 1), String(lsn)]);
    const payload = {
      before: op === 'd' ? row : null,
      after: op === 'c' ? row : null,
      source: {
        version: '3.7.0.Final',
        connector: 'postgresql',
        name: 'app',
        ts_ms: at + messages.length,
        snapshot: 'false',
        db: 'app',
        schema: 'public',
        table: 'ImageReaction',
        txId: 9_000 + messages.length,
        sequence,
        lsn: lsn++,
      },
      op,
      ts_ms: at + messages.length + 5,
    };
    messages.push({
      partition: messages.length % options.partitions,
      key: JSON.stringify({ id: row.id }),
      value: JSON.stringify(payload),
    });
    apply(row, op === 'c' ? 1 : -1);
  };

  for (let i = 0; i < options.creates; i++) {
    const row = {
      id: base + 10_000 + i,
      imageId: imageIds[Math.floor(random() * imageIds.length)]!,
      userId: userIds[Math.floor(random() * userIds.length)]!,
      reaction: REACTIONS[Math.floor(random() * REACTIONS.length)]!,
      createdAt: (at - 1_000) * 1_000,
    };
    live.push(row);
    emit('c', row);
    if ((i + 1) % options.deleteEvery === 0) {
      const victim = live.splice(Math.floor(random() * live.length), 1)[0]!;
      emit('d', victim);
    }
  }
  return { messages, truth, metricEvents: messages.length * 3, imageIds, userIds, seed, nextLsn: lsn };
}

/** Produces the messages to `topic` in chunks, acknowledged by all replicas. */
export async function produceAll(kafka: Kafka, topic: string, messages: SyntheticMessage[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 2_000) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2_000) });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface Prefill {
  /** key → the hash as written (string values, as HGETALL returns them). */
  hashes: Map<string, Record<string, string>>;
  /** Keys deliberately left absent. */
  absent: string[];
}

/**
 * Caches most image hashes (every image field at a small nonzero start value), one hash with only
 * `reactionCount` (the other fields must stay absent), and leaves `absentImages` images and every user
 * uncached (they must stay absent).
 */
export async function prefillRedis(
  redis: Redis,
  data: SyntheticReactions,
  absentImages = 5,
  keys: CacheKeyScheme = defaultCacheKeys,
): Promise<Prefill> {
  const hashes = new Map<string, Record<string, string>>();
  const absent: string[] = data.userIds.map((id) => keys.key('User', id));
  data.imageIds.forEach((id, i) => {
    const key = keys.key('Image', id);
    if (i < absentImages) absent.push(key);
    else if (i === absentImages) hashes.set(key, { reactionCount: '3' });
    else hashes.set(key, Object.fromEntries(IMAGE_FIELDS.map((f, j) => [f, String(i + j)])));
  });
  await redis.del(...hashes.keys(), ...absent);
  const pipeline = redis.pipeline();
  for (const [key, fields] of hashes) pipeline.hset(key, fields);
  await pipeline.exec();
  return { hashes, absent };
}

/** What each cached hash must hold after every event was applied once: prefill + truth, same fields. */
export function expectedHashes(
  prefill: Prefill,
  data: SyntheticReactions,
): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const [key, fields] of prefill.hashes) {
    const { entityType, entityId } = defaultCacheKeys.parse(key)!;
    out.set(
      key,
      Object.fromEntries(
        Object.entries(fields).map(([f, v]) => [
          f,
          String(Number(v) + (data.truth.get(`${entityType}:${entityId}:${f}`) ?? 0)),
        ]),
      ),
    );
  }
  return out;
}

/** Reads the prefilled hashes and the absent keys back. */
export async function readHashes(
  redis: Redis,
  prefill: Prefill,
): Promise<{ hashes: Map<string, Record<string, string>>; existing: string[] }> {
  const hashes = new Map<string, Record<string, string>>();
  for (const key of prefill.hashes.keys()) hashes.set(key, await redis.hgetall(key));
  const existing: string[] = [];
  for (const key of prefill.absent) if (await redis.exists(key)) existing.push(key);
  return { hashes, existing };
}

/** Every (entity, metric) total of the run's entities as reads see them (`FINAL`). */
export async function clickhouseAllTotals(
  ch: ClickHouseClient,
  data: SyntheticReactions,
): Promise<Map<string, number>> {
  const result = await ch.query({
    query: `SELECT entityType, entityId, metricType, sum(metricValue) AS total FROM entityMetricEvents FINAL
            WHERE entityId >= {lo:Int64} AND entityId <= {hi:Int64}
            GROUP BY entityType, entityId, metricType`,
    query_params: { lo: data.imageIds[0]!, hi: data.userIds[data.userIds.length - 1]! },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{
    entityType: string;
    entityId: string;
    metricType: string;
    total: string;
  }>();
  return new Map(rows.map((r) => [`${r.entityType}:${r.entityId}:${r.metricType}`, Number(r.total)]));
}

/**
 * The same totals read as fills, search flushes and reconcile read them (`readMetricTotals`: the read
 * rollup's committed daily rows plus the events above its cuts), all-time, zeros left out.
 */
export async function clickhouseReadTotals(
  ch: ClickHouseClient,
  data: SyntheticReactions,
): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const [entityType, entityIds] of [
    ['Image', data.imageIds],
    ['User', data.userIds],
  ] as const) {
    for (const row of await readMetricTotals(ch, { entityType, entityIds, timeframes: ['all'] })) {
      for (const [metric, { all }] of Object.entries(row.totals))
        if (all !== 0) totals.set(`${entityType}:${row.entityId}:${metric}`, all);
    }
  }
  return totals;
}

/** Rows stored for the run's entities without `FINAL` (duplicates included until a merge collapses them). */
export async function clickhouseRawCounts(
  ch: ClickHouseClient,
  data: SyntheticReactions,
): Promise<{ rows: number; distinctIds: number }> {
  const result = await ch.query({
    query: `SELECT count() AS rows, uniqExact(eventId) AS distinctIds FROM entityMetricEvents
            WHERE entityId >= {lo:Int64} AND entityId <= {hi:Int64}`,
    query_params: { lo: data.imageIds[0]!, hi: data.userIds[data.userIds.length - 1]! },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ rows: string; distinctIds: string }>();
  return { rows: Number(row!.rows), distinctIds: Number(row!.distinctIds) };
}

/** Committed offsets of a host group (its metric group's for the metric topic) and end offsets, per `topic:partition`. */
export async function groupLag(
  admin: Admin,
  groupId: string,
  topics: string[],
): Promise<{ committed: Record<string, string>; end: Record<string, string>; caughtUp: boolean }> {
  const committed: Record<string, string> = {};
  const end: Record<string, string> = {};
  // Committed first: the metric topic only grows while source offsets are uncommitted.
  for (const t of await fetchHostGroupOffsets(admin, groupId, topics)) {
    for (const p of t.partitions) committed[`${t.topic}:${p.partition}`] = p.offset;
  }
  for (const topic of topics) {
    for (const p of await fetchTopicOffsets(admin, topic)) end[`${topic}:${p.partition}`] = p.high;
  }
  const caughtUp = Object.entries(end).every(([k, high]) => high === '0' || committed[k] === high);
  return { committed, end, caughtUp };
}
