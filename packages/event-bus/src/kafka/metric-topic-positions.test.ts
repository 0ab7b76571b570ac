import { silentLogger } from '@engagement/plugin-api';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { KafkaRecord } from '../events/kafka-record.js';
import type { CachePosition } from '../sinks/redis/metric-cache-sink.js';
import { type CacheRollback, MetricTopicPositions } from './metric-topic-positions.js';

const TOPIC = 'metrics';

/**
 * The consumer side against a cache that keeps positions like the apply script does (refuses a batch that
 * follows more than it holds, otherwise stores the larger offset), a committed offset per partition, and a
 * record of seeks, resolved offsets and commits.
 */
function harness(committed: Record<number, string> = {}, former: Record<number, string> = {}) {
  const stored = new Map<number, bigint>();
  const seeks: [number, string][] = [];
  const commits: string[] = [];
  const rollbacks: CacheRollback[] = [];
  const applied: CachePosition[] = [];
  /** Per applied batch, whether the host was live (passed on to the apply). */
  const live: boolean[] = [];
  const kafka = {
    admin: () => ({
      connect: async () => {},
      disconnect: async () => {},
      fetchOffsets: async ({ groupId }: { groupId: string }) => [
        {
          topic: TOPIC,
          partitions: Object.entries(groupId === 'g' ? committed : groupId === 'host' ? former : {}).map(
            ([p, offset]) => ({ partition: Number(p), offset }),
          ),
        },
      ],
    }),
  } as unknown as Kafka;
  const positions = new MetricTopicPositions({
    kafka,
    groupId: 'g',
    formerGroupId: 'host',
    topic: TOPIC,
    apply: {
      async applyBatch(_records, _signal, position, isLive) {
        live.push(isLive ?? false);
        const at = stored.get(position!.partition);
        if (at !== undefined && at < BigInt(position!.expected)) return { resumeAt: String(at) };
        if (at === undefined || at < BigInt(position!.next))
          stored.set(position!.partition, BigInt(position!.next));
        applied.push(position!);
        return {};
      },
      async cachePositions(_topic, partitions) {
        return partitions.map((p) => stored.get(p)?.toString());
      },
    },
    seek: (partition, offset) => void seeks.push([partition, offset]),
    commit: async (offsets) => void commits.push(...offsets.map((o) => `${o.partition}@${o.offset}`)),
    logger: silentLogger,
    checkIntervalMs: 0,
    onRollback: (r) => void rollbacks.push(r),
  });

  /** Delivers records `from`..`to` of a partition; returns what was resolved. */
  async function batch(partition: number, from: number, to: number, stale = false, isLive = false) {
    const records: KafkaRecord[] = [];
    for (let o = from; o <= to; o++) {
      records.push({ topic: TOPIC, partition, offset: String(o), key: null, value: null });
    }
    const resolved: string[] = [];
    const payload = {
      batch: { topic: TOPIC, partition, firstOffset: () => String(from), lastOffset: () => String(to) },
      resolveOffset: (o: string) => void resolved.push(o),
      isStale: () => stale,
    } as unknown as EachBatchPayload;
    const signal = new AbortController().signal;
    const last = await positions.applyBatch(payload, records, (work) => work(), signal, isLive);
    return { last, resolved };
  }
  return { positions, stored, seeks, commits, rollbacks, applied, live, batch };
}

describe('MetricTopicPositions', () => {
  it('applies a batch with its first offset as the position Redis must hold, then resolves and commits its end', async () => {
    const h = harness();
    h.positions.assigned([0]);
    expect(await h.batch(0, 10, 14)).toEqual({ last: '14', resolved: ['14'] });
    expect(h.applied).toEqual([{ topic: TOPIC, partition: 0, expected: '10', next: '15' }]);
    expect(h.commits).toEqual(['0@15']);
    expect(h.stored.get(0)).toBe(15n);
  });

  it('tells the apply whether the host is live', async () => {
    const h = harness();
    h.positions.assigned([0]);
    await h.batch(0, 0, 4, false, false);
    await h.batch(0, 5, 9, false, true);
    expect(h.live).toEqual([false, true]);
  });

  it('seeks back to the offset Redis holds when it lost writes, and resolves and commits nothing', async () => {
    const h = harness();
    h.positions.assigned([0]);
    await h.batch(0, 0, 9);
    await h.batch(0, 10, 19);
    h.stored.set(0, 10n); // Redis restarted without the second batch
    expect(await h.batch(0, 20, 29)).toEqual({ last: undefined, resolved: [] });
    expect(h.seeks).toEqual([[0, '10']]);
    expect(h.commits).toEqual(['0@10', '0@20']);
    expect(h.rollbacks).toEqual([
      { topic: TOPIC, partition: 0, redisAt: '10', expectedAt: '20', detectedBy: 'apply' },
    ]);
    // A batch fetched before the seek is stale: dropped unapplied.
    expect(await h.batch(0, 30, 39, true)).toEqual({ last: undefined, resolved: [] });
    // The periodic check sees the same rollback: no second seek.
    await h.positions.check();
    expect(h.seeks).toHaveLength(1);
    // Read again from 10: applies, and the partition goes on.
    expect(await h.batch(0, 10, 29)).toEqual({ last: '29', resolved: ['29'] });
    expect(h.stored.get(0)).toBe(30n);
  });

  it('at assignment, seeks each owned partition whose Redis position is behind the committed offset', async () => {
    // 0: Redis behind Kafka (lost writes); 1: ahead (applied, commit lost in a crash); 2: nothing stored (first
    // start); 3: behind, but another member owns it.
    const h = harness({ 0: '120', 1: '50', 2: '70', 3: '90' });
    h.stored.set(0, 100n);
    h.stored.set(1, 60n);
    h.stored.set(3, 10n);
    h.positions.assigned([0, 1, 2]);
    await h.positions.check();
    expect(h.seeks).toEqual([[0, '100']]);
    expect(h.rollbacks.map((r) => [r.partition, r.redisAt, r.expectedAt, r.detectedBy])).toEqual([
      [0, '100', '120', 'check'],
    ]);
  });

  it('starts a partition its group never committed where the former group committed it, as the floor', async () => {
    // 0: committed in both groups (the metric group's offset counts); 1: only the former group committed, Redis
    // holds more (applied, commit lost); 2: only the former group, Redis behind it (lost writes); 3: neither
    // group (a new topic): from the beginning; 4: former group only, but another member owns it.
    const h = harness({ 0: '40', 3: '-1' }, { 0: '10', 1: '50', 2: '70', 4: '90' });
    h.stored.set(0, 40n);
    h.stored.set(1, 60n);
    h.stored.set(2, 65n);
    h.positions.assigned([0, 1, 2, 3]);
    await h.positions.check();
    // Started at the former group's offsets; 2 is then found behind that floor and read from where Redis is.
    expect(h.seeks).toEqual([
      [1, '50'],
      [2, '70'],
      [2, '65'],
    ]);
    expect(h.rollbacks.map((r) => [r.partition, r.redisAt, r.expectedAt])).toEqual([[2, '65', '70']]);
    // From there on, the metric group's own commits move the partition on.
    expect(await h.batch(1, 50, 59)).toEqual({ last: '59', resolved: ['59'] });
    expect(h.commits).toEqual(['1@60']);
  });

  it('the periodic check finds a Redis that lost writes while its partition is idle', async () => {
    const h = harness();
    h.positions.assigned([0, 1]);
    await h.batch(0, 0, 9);
    await h.batch(1, 0, 4);
    await h.positions.check();
    expect(h.seeks).toEqual([]);
    h.stored.set(1, 2n);
    await h.positions.check();
    expect(h.seeks).toEqual([[1, '2']]);
  });

  it('goes on when the records Redis lacks are gone (retention) instead of seeking back forever', async () => {
    const h = harness();
    h.positions.assigned([0]);
    await h.batch(0, 0, 9);
    h.stored.set(0, 5n);
    await h.batch(0, 10, 19);
    expect(h.seeks).toEqual([[0, '5']]);
    // The partition now starts at 8: records 5..7 were deleted. The batch is applied as following 5.
    expect(await h.batch(0, 8, 19)).toEqual({ last: '19', resolved: ['19'] });
    expect(h.applied.at(-1)).toMatchObject({ expected: '5', next: '20' });
    expect(h.seeks).toHaveLength(1);
  });
});
