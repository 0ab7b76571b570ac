// SIGTERM during traffic: the host (a real `event-host start` process) stops fetching, flushes what it
// buffered, commits and leaves; after a restart the totals are exact and nothing was processed twice.
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { defaultCacheKeys } from '@engagement/event-bus/sinks/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clickhouseImageTotals,
  committedAndEnd,
  connectStack,
  createImages,
  ephemeralPort,
  type HostProcess,
  hostEnv,
  prefillCache,
  produce,
  reactionPlan,
  type StackClients,
  sourceTopicOf,
  spawnHost,
  waitFor,
} from './host-fixtures.js';

let stack: StackClients;
const runs: HostProcess[] = [];

beforeAll(async () => {
  stack = await connectStack();
});

afterAll(async () => {
  for (const r of runs) r.proc.kill('SIGKILL');
  await stack?.close();
});

describe('graceful shutdown', () => {
  it('SIGTERM during traffic flushes and commits; after a restart the totals are exact', async () => {
    const { db, redis, producer } = stack;
    const port = await ephemeralPort();
    const env = hostEnv('term', {
      EVENT_HOST_HTTP_PORT: String(port),
      EVENT_HOST_LOG_LEVEL: 'info',
      // Nothing is flushed by time or size before the signal: only the shutdown flush can store and commit.
      EVENT_HOST_BATCH_FLUSH_INTERVAL_MS: '600000',
      EVENT_HOST_SHUTDOWN_DEADLINE_MS: '20000',
    });
    const topic = sourceTopicOf(env);
    const group = env.EVENT_HOST_KAFKA_GROUP_ID!;
    const { imageIds } = await createImages(db, 8);
    const { cached, absent } = await prefillCache(redis, imageIds);
    const plan = reactionPlan(imageIds, 900, 23);
    const status = async () => (await fetch(`http://127.0.0.1:${port}/status.json`)).json();

    const first = spawnHost(env, { echoStderr: true });
    runs.push(first);
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status,
      (s) => s === 200,
      90_000,
      'ready',
    );
    const traffic = produce(producer, topic, plan.records, { chunk: 20, pauseMs: 100 });
    await waitFor(
      async () => (await status()).totals.consumed,
      (n: number) => n >= 300,
      60_000,
      '300 consumed',
    );
    const signalledAt = Date.now();
    first.proc.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(20_000);
    const messages = first.logs.map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining(['host.shutdown.begin', 'host.stopped', 'host.shutdown.done']),
    );
    const stopped = first.logs.find((l) => l.msg === 'host.stopped')!.stats as {
      consumed: number;
      flushes: number;
      metricEventsStored: number;
    };
    expect(stopped.flushes).toBeGreaterThanOrEqual(1);
    expect(stopped.consumed).toBeGreaterThanOrEqual(300);
    expect(stopped.consumed).toBeLessThan(plan.records.length); // it really stopped mid-traffic
    // The shutdown flush stored everything it had consumed and committed exactly that far.
    expect((await committedAndEnd(stack.admin, group, topic)).committed).toBe(stopped.consumed);
    // Three metric events per change (the image's kind count and reactionCount, the owner's reactionCount).
    expect(stopped.metricEventsStored).toBe(stopped.consumed * 3);

    await traffic;
    const second = spawnHost({ ...env, EVENT_HOST_BATCH_FLUSH_INTERVAL_MS: '500' }, { echoStderr: true });
    runs.push(second);
    await waitFor(
      async () => {
        const [source, metrics] = await Promise.all([
          committedAndEnd(stack.admin, group, topic),
          committedAndEnd(stack.admin, group, env.EVENT_HOST_KAFKA_METRIC_TOPIC!),
        ]);
        return (
          source.committed === source.end &&
          source.end === plan.records.length &&
          metrics.committed === metrics.end
        );
      },
      (done) => done,
      90_000,
      'the restarted host to catch up and commit',
    );
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const restarted = second.logs.find((l) => l.msg === 'host.stopped')!.stats as {
      consumed: number;
      flushes: number;
      metricEventsStored: number;
    };
    // Nothing consumed twice: the restart resumed exactly at the first run's commit.
    expect(stopped.consumed + restarted.consumed).toBe(plan.records.length);

    const clickhouse = await openClickHouse({ path: env.EVENT_HOST_CLICKHOUSE_PATH! });
    try {
      const final = await clickhouseImageTotals(clickhouse, imageIds);
      expect(final.totals).toEqual(plan.expected);
      expect(final.rawRows).toBe(final.finalRows); // no replayed rows at all
    } finally {
      await clickhouse.close();
    }
    for (const id of cached) {
      const hash = await redis.hgetall(defaultCacheKeys.key('Image', id));
      const want = plan.expected.get(`Image:${id}`)!;
      expect(Object.fromEntries(Object.entries(hash).map(([k, v]) => [k, Number(v) - 100]))).toEqual(want);
    }
    for (const id of absent) expect(await redis.exists(defaultCacheKeys.key('Image', id))).toBe(0);
  });
});
