// Scale out: two hosts in one consumer group on a four-partition topic. A second host joins while
// traffic flows, then the first leaves; ClickHouse and the Redis counters end exactly at the truth. Both
// hosts roll the read rollup every 100 ms, racing each other, and ClickHouse is read both with FINAL and
// through the rollup (as fills, search flushes and reconcile read it).
// Both hosts run in this process and share one embedded ClickHouse (chDB allows one engine per process),
// as hosts in production share one ClickHouse server; each has its own Kafka consumer and group membership.
import type { ClickHouseClient } from '@clickhouse/client';
import { checkRollup, openClickHouse, readRollState } from '@engagement/event-bus/sinks/clickhouse';
import { defaultCacheKeys } from '@engagement/event-bus/sinks/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { createEventHost, type EventHost } from '../src/host/create-event-host.js';
import {
  connectStack,
  createImages,
  hostEnv,
  prefillCache,
  produce,
  reactionPlan,
  rollupImageTotals,
  type StackClients,
  sourceTopicOf,
  waitFor,
  waitForPlanTotals,
} from './host-fixtures.js';

let stack: StackClients;
let clickhouse: ClickHouseClient;
const hosts: EventHost[] = [];

beforeAll(async () => {
  stack = await connectStack();
});

afterAll(async () => {
  for (const h of hosts) await h.stop().catch(() => undefined);
  await stack?.close();
  await clickhouse?.close();
});

describe('two hosts in one consumer group', () => {
  it('loses and double-counts nothing when a member joins and another leaves during traffic', async () => {
    const { db, redis, producer } = stack;
    const env = hostEnv('scale', {
      EVENT_HOST_KAFKA_TOPIC_PARTITIONS: '4',
      EVENT_HOST_BATCH_FLUSH_INTERVAL_MS: '300',
      EVENT_HOST_ROLLUP_INTERVAL_MS: '100',
    });
    clickhouse = await openClickHouse({ path: env.EVENT_HOST_CLICKHOUSE_PATH! });
    const { imageIds } = await createImages(db, 12);
    const { cached, absent } = await prefillCache(redis, imageIds);
    const plan = reactionPlan(imageIds, 1200, 11);
    const build = async (name: string) => {
      const h = await createEventHost({
        config: loadConfig({ env: { ...env, EVENT_HOST_KAFKA_CLIENT_ID: `event-host-${name}` } }),
        clickhouse,
      });
      hosts.push(h);
      return h;
    };
    const first = await build('first');
    await first.start();
    const sourceTopic = sourceTopicOf(env);
    let second: EventHost | undefined;
    let left = false;
    await produce(producer, sourceTopic, plan.records, {
      chunk: 25,
      pauseMs: 120,
      onChunk: async (sent) => {
        if (!second && sent >= 400) {
          second = await build('second');
          await second.start(); // joins: the group rebalances while records keep coming
        }
        if (second && !left && sent >= 800) {
          left = true;
          await first.stop(); // leaves gracefully: flush, commit, leave; its partitions move to `second`
        }
      },
    });
    expect(left).toBe(true);
    const survivor = second!;
    await waitFor(
      async () => Object.values(survivor.pipeline.consumerState.assignment[sourceTopic] ?? []).length,
      (n) => n === 4,
      60_000,
      'the second host to own all four partitions',
    );

    const final = await waitForPlanTotals(clickhouse, imageIds, plan, 90_000);
    expect(final.totals).toEqual(plan.expected);
    // Every listener event of every change is one row once replays collapse: 2 image metrics per change.
    expect(final.finalRows).toBe(plan.records.length * 2);

    // The same totals through the read rollup, while the survivor keeps rolling; and the rollup agrees with
    // the event table below its cuts (what reconcile checks).
    expect(await rollupImageTotals(clickhouse, imageIds)).toEqual(plan.expected);
    expect((await checkRollup(clickhouse, { entityType: 'Image', entityIds: imageIds })).differences).toEqual(
      [],
    );
    const rolls = (await readRollState(clickhouse))!;
    expect(rolls.head!.gen, 'rolls committed during the test').toBeGreaterThan(1);

    const hashes = async () =>
      new Map(
        await Promise.all(
          cached.map(
            async (id) => [`Image:${id}`, await redis.hgetall(defaultCacheKeys.key('Image', id))] as const,
          ),
        ),
      );
    const want = new Map(
      cached.map((id) => [
        `Image:${id}`,
        Object.fromEntries(
          Object.entries(plan.expected.get(`Image:${id}`)!).map(([k, v]) => [k, String(100 + v)]),
        ),
      ]),
    );
    const got = await waitFor(
      hashes,
      (h) => JSON.stringify([...h]) === JSON.stringify([...want]),
      60_000,
      'Redis counters',
    );
    expect(got).toEqual(want);
    for (const id of absent) expect(await redis.exists(defaultCacheKeys.key('Image', id))).toBe(0);

    // Both members did real work, and nothing was dead-lettered.
    expect(first.pipeline.stats.consumed).toBeGreaterThan(0);
    expect(survivor.pipeline.stats.consumed).toBeGreaterThan(0);
    expect(first.pipeline.stats.deadLetters + survivor.pipeline.stats.deadLetters).toBe(0);
    console.log(
      `rebalance: first consumed ${first.pipeline.stats.consumed}, second ${survivor.pipeline.stats.consumed}; ` +
        `ClickHouse rows raw ${final.rawRows}, FINAL ${final.finalRows}; cache replays skipped ` +
        `${first.pipeline.stats.cacheEventsSkipped + survivor.pipeline.stats.cacheEventsSkipped}; rolls: ` +
        `head ${rolls.head!.gen}, ${rolls.chain.length} listed on its chain, ${rolls.excluded.length} ` +
        `begun or committed off the chain and skipped, ${Object.keys(rolls.head!.floors).length} day(s) compacted`,
    );
  });
});
