// Crash test: SIGKILL the consuming process in the middle of a batch, restart it, and the ClickHouse
// totals (as reads see them, FINAL) and the Redis counters equal the truth computed from the produced
// changes. The consumer runs in a child process (crash-child.ts) with its own embedded ClickHouse path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../src/kafka/topics.js';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { cacheWatermarkKey, defaultCacheKeys, shardWatermarkKey } from '../src/sinks/redis/cache-keys.js';
import { CrashChildren, tail } from './crash-children.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';
import {
  clickhouseRawCounts,
  groupLag,
  type Prefill,
  prefillRedis,
  produceAll,
  type SyntheticReactions,
  syntheticReactions,
} from './synthetic-reactions.js';
import { expectSinksEqualTruth } from './synthetic-truth.js';

/** Kills before the final run; more than two only while no duplicate was seen yet. */
const MIN_KILLS = 2;
const MAX_KILLS = 4;

let stack: StackConnections;
let admin: Admin;
let data: SyntheticReactions & { seed: number };
let prefill: Prefill;
let chPath: string;
let childEnv: Record<string, string>;
let children: CrashChildren;
let ch: ClickHouseClient | undefined;

beforeAll(async () => {
  stack = await connectStack();
  // One chDB engine per process: release the stack's so this process can open the child's path later.
  await stack.clickhouse.close();
  admin = stack.kafka.admin();
  await admin.connect();
  const topic = stack.unique('crash.reactions');
  chPath = mkdtempSync(join(tmpdir(), 'eb-crash-ch-'));
  childEnv = {
    CRASH_BROKERS: stack.env.KAFKA_BROKERS!,
    CRASH_REDIS_URL: stack.env.REDIS_URL!,
    CRASH_TOPIC: topic,
    CRASH_GROUP: stack.unique('crash-group'),
    CRASH_METRIC_TOPIC: stack.unique('crash.metric-events'),
    CRASH_DLQ_TOPIC: stack.unique('crash.dead-letters'),
    CRASH_SCOPE: stack.unique('crash'),
    CRASH_CH_PATH: chPath,
    CRASH_FLUSH_ROWS: '1500',
    CRASH_FLUSH_MS: '200',
    CRASH_SESSION_TIMEOUT_MS: '6000',
  };
  await ensureTopics(admin, [topic], { numPartitions: 3 });
  data = syntheticReactions({ creates: 30_000, deleteEvery: 8, images: 50, users: 20, partitions: 3 });
  await produceAll(stack.kafka, topic, data.messages);
  prefill = await prefillRedis(stack.redis, data);
  children = new CrashChildren(admin, childEnv);
});

afterAll(async () => {
  children?.killAll();
  await ch?.close();
  if (prefill) await stack.redis.del(...prefill.hashes.keys(), ...prefill.absent);
  if (childEnv) {
    const base = cacheWatermarkKey(childEnv.CRASH_SCOPE);
    for (let k = 0; k < defaultCacheKeys.shards; k++) await stack.redis.del(shardWatermarkKey(base, k));
    await admin
      .deleteTopics({
        topics: [childEnv.CRASH_TOPIC!, childEnv.CRASH_METRIC_TOPIC!, childEnv.CRASH_DLQ_TOPIC!],
      })
      .catch(() => undefined);
  }
  await admin?.disconnect();
  await stack?.close();
  if (chPath) rmSync(chPath, { recursive: true, force: true });
});

describe('crash recovery', () => {
  // Up to four process starts, each waiting out the dead member's session on a possibly fresh broker.
  it('counts exactly after SIGKILLs in the middle of batches', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const kills: {
      atRows: number;
      at: string;
      committedMessages: number;
      insertedSoFar: number;
    }[] = [];
    const insertedSoFar = () => children.runs.reduce((n, r) => n + r.inserted, 0);
    const skippedSoFar = () =>
      children.runs.reduce((n, r) => n + Number((r.closedStats ?? r.lastStats)?.cacheEventsSkipped ?? 0), 0);
    // Duplicates in ClickHouse are certain once more rows were inserted than the committed offsets
    // account for: those rows are replayed and inserted again by the next run.
    let storedBeyondCommit = false;

    for (let k = 0; k < MAX_KILLS; k++) {
      if (k >= MIN_KILLS && storedBeyondCommit && skippedSoFar() > 0) break;
      const rows = Math.round(data.metricEvents * (k === 0 ? 0.2 : 0.12));
      // Alternate the stage interrupted: ClickHouse insert → commit, then Redis apply → commit.
      const at = k % 2 === 0 ? 'inserted' : 'applied';
      if (!(await children.runAndKill(rows, at))) break;
      const committed = await children.committedMessages();
      kills.push({ at, atRows: rows, committedMessages: committed, insertedSoFar: insertedSoFar() });
      if (insertedSoFar() > committed * 3) storedBeyondCommit = true;
    }

    // Final run: until the group's committed offsets reach the end of the source and the metric topic.
    const last = children.spawn();
    await waitFor(
      () => groupLag(admin, childEnv.CRASH_GROUP!, [childEnv.CRASH_TOPIC!, childEnv.CRASH_METRIC_TOPIC!]),
      (lag) => lag.caughtUp,
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nfinal child:\n${tail(last.stderr)}`);
    });
    const exit = await children.close(last);
    expect(exit, last.stderr).toEqual({ code: 0, signal: null });
    expect(last.closedStats?.deadLetters).toBe(0);

    // The path the killed and the closed processes held opens again in this process.
    ch = await openClickHouse({ path: chPath });
    const raw = await clickhouseRawCounts(ch, data);

    const figures = {
      seed: data.seed,
      messages: data.messages.length,
      metricEvents: data.metricEvents,
      kills,
      insertedPerRun: children.runs.map((r) => r.inserted),
      cacheSkippedPerRun: children.runs.map((r) => (r.closedStats ?? r.lastStats)?.cacheEventsSkipped ?? 0),
      cacheRollbacksPerRun: children.runs.map((r) => (r.closedStats ?? r.lastStats)?.cacheRollbacks ?? 0),
      clickhouseRawRows: raw.rows,
      clickhouseDistinctEventIds: raw.distinctIds,
      seconds: (Date.now() - started) / 1000,
    };
    console.log('crash test figures', JSON.stringify(figures));

    await expectSinksEqualTruth(ch, stack.redis, data, prefill);

    // Duplicates really happened, so the exact totals above prove deduplication, not luck.
    expect(kills.length).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(insertedSoFar(), 'rows inserted more than once into ClickHouse').toBeGreaterThan(
      data.metricEvents,
    );
    expect(skippedSoFar(), 'redelivered metric events skipped by the cache').toBeGreaterThan(0);
    expect(raw.distinctIds).toBe(data.metricEvents);
    // Redis kept every write here: a restarted consumer must not take Kafka's offsets for lost writes.
    expect(figures.cacheRollbacksPerRun.every((n) => n === 0)).toBe(true);
  });
});
