// The data of the read-rollup benches (rollup-read.ts, rollup-blocks-proto.ts), in an embedded chDB that has
// the metric event table and its rollup: 100 target Models with 1,000 events each over a year (five metrics,
// three origins), rolled for real; then background daily rows (six entity types, ~1M ids each, eight
// metrics, a year of days, one event each) written straight into the daily table under the head roll's gen,
// and merged (OPTIMIZE FINAL) after each growth. Not a bench itself.
import type { ClickHouseClient } from '@clickhouse/client';
import { rollMetricEvents } from '../src/sinks/clickhouse/metric-rollup.js';

/** The targets' metrics, in the order their events cycle through. */
export const TARGET_METRICS = ['downloadCount', 'likeCount', 'commentCount', 'ratingSum', 'ratingCount'];
/** The 100 target Model ids (5000 + k·10000; the background skips them). */
export const targetIds = Array.from({ length: 100 }, (_, k) => 5000 + k * 10000);
const YEAR_MS = 365 * 86_400_000;

/** Inserts and rolls the targets' events; returns the committed roll's gen and a function growing the background. */
export async function seedRollupBench(c: ClickHouseClient, nowMs: number) {
  await c.command({
    query: `INSERT INTO entityMetricEvents (eventId, entityType, entityId, userId, metricType, metricValue, createdAt, origin, originSeq)
SELECT concat('t-', toString(number)), 'Model', 5000 + intDiv(number, 1000) * 10000, 0, ['downloadCount','likeCount','commentCount','ratingSum','ratingCount'][1 + number % 5], 1,
  fromUnixTimestamp64Milli(toInt64(${nowMs} - sipHash64(number, 1) % ${YEAR_MS}), 'UTC'), concat('bench:', toString(number % 3)), number FROM numbers(100000)`,
  });
  const { gen } = await rollMetricEvents(c);
  let background = 0;
  /** Adds background daily rows, 2M at a time, until there are `to`; then merges the daily table. */
  const grow = async (to: number) => {
    while (background < to) {
      await c.command({
        query: `INSERT INTO entityMetricEvents_daily SELECT ['Model','Image','Post','Article','User','Collection'][1 + sipHash64(number, 2) % 6],
      ((1 + sipHash64(number, 3) % 1000000) AS e0) + if(e0 % 10000 = 5000, 1, 0), ['downloadCount','likeCount','commentCount','ratingSum','ratingCount','x1','x2','x3'][1 + sipHash64(number, 5) % 8],
      toDate32(fromUnixTimestamp64Milli(toInt64(${nowMs} - sipHash64(number, 6) % ${YEAR_MS}))), ${gen}, 1, map('bench:0', number), [toInt64(${nowMs})], [toInt64(1)] FROM numbers(${background}, 2000000)`,
      });
      background += 2_000_000;
    }
    await c.command({ query: 'OPTIMIZE TABLE entityMetricEvents_daily FINAL' });
  };
  return { gen, grow };
}
