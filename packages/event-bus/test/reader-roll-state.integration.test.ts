import { expect, it } from 'vitest';
import { createMetricReader } from '../src/reader/index.js';
import { rollMetricEvents, rollupTables } from '../src/sinks/clickhouse/index.js';
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { waitFor } from './integration-env.js';
import { describeReaderOnStack } from './reader-on-stack.js';
import { interceptClient } from './temp-chdb.js';

// Where a fill reads the rollup's roll state: before its query only when it has no state it may use, else
// after its query when the state is due (RollStateCache). On the embedded engine, which runs one call at a
// time, a read before the query delayed every miss that came due by the read's whole time.

describeReaderOnStack('roll-state reads of a reader on the rollup', (w) => {
  it('reads a due roll state after the fill query, not before the next one, and stays exact', async () => {
    const { stack, store, redis, entityType, event } = w;
    const now = Date.now();
    const o = stack.unique('src:0');
    await store.insert([
      event(1, 'likeCount', 2, new Date(now - 2_000), o),
      event(2, 'likeCount', 5, new Date(now - 3 * 86_400_000), o),
    ]);
    expect((await rollMetricEvents(stack.clickhouse)).committed).toBe(true);
    // Above the head's cut: read from the open part.
    await store.insert([event(1, 'likeCount', 1, new Date(now - 1_000), o)]);

    const t = rollupTables();
    const calls: string[] = [];
    const clickhouse = interceptClient(stack.clickhouse, 'query', (query) => (params) => {
      if (params.query.includes(t.daily)) calls.push('totals');
      else if (params.query.includes(t.rolls)) calls.push('state');
      return query(params);
    });
    const reader = createMetricReader({ redis, clickhouse, rollStateMaxAgeMs: 1 });
    const request = {
      entityType,
      entityIds: [1, 2],
      metrics: ['likeCount'],
      timeframes: ['day', 'all'] as const,
    };
    const expected = new Map([
      [1, { likeCount: { day: 3, all: 3 } }],
      [2, { likeCount: { day: 0, all: 5 } }],
    ]);
    // The read after a query is not awaited by the fill: wait until it was sent.
    const settled = (n: number) =>
      waitFor(
        async () => calls.length,
        (sent) => sent >= n,
        5_000,
        `${n} queries`,
      );

    // The first fill has no state: it reads one before its query, then again after it (1 ms is due).
    expect(await reader.getMetrics(request)).toEqual(expected);
    await settled(3);
    expect(calls).toEqual(['state', 'totals', 'state']);
    // The next fill uses that state and reads a new one after its query.
    for (const id of [1, 2]) await redis.del(defaultCacheKeys.key(entityType, id)); // one slot per call
    expect(await reader.getMetrics(request)).toEqual(expected);
    await settled(5);
    expect(calls).toEqual(['state', 'totals', 'state', 'totals', 'state']);
  });
});
