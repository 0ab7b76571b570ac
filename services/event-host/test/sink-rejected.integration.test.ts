// A sink error retrying cannot fix: the metric table's `entityId` column has the wrong type, so every insert
// fails with CANNOT_PARSE_*. The host (a real `event-host start` process) stops by itself with exit 65 and
// EH_SINK_REJECTED instead of retrying forever, and commits nothing; once the table is fixed, a restart
// processes the same changes and stores exact totals. And a cache recorded with another shard count
// (redis.cacheShards) stops the host the same way, before it writes a key.
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { metricEventTableDdl } from '@engagement/event-bus/sinks/clickhouse';
import { cacheLayoutKey, cacheWatermarkKey, shardWatermarkKey } from '@engagement/event-bus/sinks/redis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  clickhouseImageTotals,
  committedAndEnd,
  connectStack,
  createImages,
  type HostProcess,
  hostEnv,
  produce,
  RUN,
  reactionPlan,
  type StackClients,
  sourceTopicOf,
  spawnHost,
  waitFor,
} from './host-fixtures.js';

let stack: StackClients;
let clickhouse: ClickHouseClient;
const database = `eh_rejected_${RUN}`;
const runs: HostProcess[] = [];

beforeAll(async () => {
  stack = await connectStack();
  const url = inject('stackEnv').CLICKHOUSE_URL!;
  const server = createClient({ url });
  await server.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await server.close();
  clickhouse = createClient({ url, database });
});

afterAll(async () => {
  for (const r of runs) r.proc.kill('SIGKILL');
  await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  await clickhouse?.close();
  await stack?.close();
});

describe('a sink error retrying cannot fix', () => {
  it('stops the host with exit 65 and EH_SINK_REJECTED, commits nothing; a restart after the fix stores it all', async () => {
    const { EVENT_HOST_CLICKHOUSE_PATH: _embedded, ...base } = hostEnv('rejected');
    const env: Record<string, string> = {
      ...base,
      EVENT_HOST_CLICKHOUSE_URL: inject('stackEnv').CLICKHOUSE_URL!,
      EVENT_HOST_CLICKHOUSE_DATABASE: database,
      EVENT_HOST_LOG_LEVEL: 'warn',
    };
    const topic = sourceTopicOf(env);
    const group = env.EVENT_HOST_KAFKA_GROUP_ID!;
    // The host's table, except for one column type: an Int64 id does not parse as a UUID.
    const wrong = metricEventTableDdl('entityMetricEvents').replace('entityId Int64', 'entityId UUID');
    expect(wrong).toContain('entityId UUID');
    await clickhouse.command({ query: wrong });

    const { imageIds } = await createImages(stack.db, 4);
    const plan = reactionPlan(imageIds, 60, 5);
    await produce(stack.producer, topic, plan.records, { chunk: 30 });

    const first = spawnHost(env);
    runs.push(first);
    const startedAt = Date.now();
    const exit = await Promise.race([
      first.exited,
      new Promise<'still running'>((r) => setTimeout(() => r('still running'), 90_000)),
    ]);
    expect(exit).toEqual({ code: 65, signal: null });
    expect(Date.now() - startedAt).toBeLessThan(90_000);
    expect(first.stderr).toMatch(/event-host: EH_SINK_REJECTED: stopped: a sink refused work/);
    expect(first.stderr).toMatch(
      /sink "clickhouse": insert of \d+ rows into entityMetricEvents failed \(CANNOT_PARSE_/,
    );
    expect(first.stderr).toContain('fix the cause and restart');

    // Nothing committed of the source changes, nothing stored. The metric topic may hold the batch's events:
    // they are published as soon as a batch is processed, before the store (docs/reading-metrics.md), and
    // the restart re-publishes them at the same origin positions, which the caches skip.
    expect(await committedAndEnd(stack.admin, group, topic)).toEqual({
      committed: 0,
      end: plan.records.length,
    });
    const stored = await (
      await clickhouse.query({ query: 'SELECT count() AS n FROM entityMetricEvents', format: 'JSONEachRow' })
    ).json<{ n: string }>();
    expect(Number(stored[0]!.n)).toBe(0);

    // The fix: the host creates its table with the right types at start.
    await clickhouse.command({ query: 'DROP TABLE entityMetricEvents' });
    const second = spawnHost({ ...env, EVENT_HOST_LOG_LEVEL: 'warn' });
    runs.push(second);
    await waitFor(
      async () => {
        const source = await committedAndEnd(stack.admin, group, topic);
        return source.committed === plan.records.length;
      },
      (done) => done,
      90_000,
      'the restarted host to process and commit every change',
    );
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const final = await clickhouseImageTotals(clickhouse, imageIds);
    expect(final.totals).toEqual(plan.expected);
  });

  it('stops the host with exit 65 when the cache was written with another shard count, before it writes a key', async () => {
    const env: Record<string, string> = { ...hostEnv('shards'), EVENT_HOST_LOG_LEVEL: 'warn' };
    const watermarkKey = cacheWatermarkKey(env.EVENT_HOST_CACHE_SCOPE!);
    await stack.redis.set(cacheLayoutKey(watermarkKey), '1');
    const { imageIds } = await createImages(stack.db, 2);
    await produce(stack.producer, sourceTopicOf(env), reactionPlan(imageIds, 20, 5).records, { chunk: 20 });

    const host = spawnHost(env);
    runs.push(host);
    const exit = await Promise.race([
      host.exited,
      new Promise<'still running'>((r) => setTimeout(() => r('still running'), 90_000)),
    ]);
    expect(exit).toEqual({ code: 65, signal: null });
    expect(host.stderr).toMatch(/event-host: EH_SINK_REJECTED: stopped: a sink refused work/);
    expect(host.stderr).toMatch(
      /written with 1 shards and this writer uses 16 \(the host: EVENT_HOST_REDIS_CACHE_SHARDS, redis.cacheShards\)/,
    );
    for (let k = 0; k < 16; k++) expect(await stack.redis.exists(shardWatermarkKey(watermarkKey, k))).toBe(0);
    await stack.redis.del(cacheLayoutKey(watermarkKey));
  });
});
