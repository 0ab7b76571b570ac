// The last check of the crash and backpressure tests: what ClickHouse and Redis hold once the pipeline has
// caught up equals the truth of the synthetic traffic (synthetic-reactions.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import {
  clickhouseAllTotals,
  clickhouseReadTotals,
  expectedHashes,
  type Prefill,
  readHashes,
  type SyntheticReactions,
} from './synthetic-reactions.js';

/**
 * Every (entity, metric) total in ClickHouse equals the truth, read with `FINAL` and read as fills read it
 * (the read rollup), every prefilled hash holds prefill + truth, and no hash that was absent before came
 * into being.
 */
export async function expectSinksEqualTruth(
  clickhouse: ClickHouseClient,
  redis: Redis,
  data: SyntheticReactions,
  prefill: Prefill,
): Promise<void> {
  const totals = await clickhouseAllTotals(clickhouse, data);
  const cache = await readHashes(redis, prefill);
  const sorted = (m: Map<string, number>) =>
    Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
  expect(sorted(totals)).toEqual(sorted(data.truth));
  const nonZero = new Map([...data.truth].filter(([, total]) => total !== 0));
  expect(sorted(await clickhouseReadTotals(clickhouse, data)), 'totals read through the rollup').toEqual(
    sorted(nonZero),
  );
  expect(Object.fromEntries(cache.hashes)).toEqual(Object.fromEntries(expectedHashes(prefill, data)));
  expect(cache.existing).toEqual([]);
}
