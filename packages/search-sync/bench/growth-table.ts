// The growing entityMetricEvents table of the growth bench (growth.ts), generated in SQL: 100 target Models
// with 1,000 events each, background events (six entity types, ~1M ids per type, a year of createdAt) in
// 500k-row chunks, each chunk rolled into the read rollup, and fresh live events left unrolled.
import type { ClickHouseClient } from '@clickhouse/client';
import {
  compactRollup,
  readRollState,
  rollMetricEvents,
  rollupTables,
} from '@engagement/event-bus/sinks/clickhouse';
import { headChainFilter } from '../../event-bus/src/sinks/clickhouse/roll-state.js';
import { IMAGE_METRIC_TYPES } from '../src/index.js';

export const CHUNK = 500_000;
export const TARGETS = 100;
export const EVENTS_PER_TARGET = 1_000;
export const TARGET_TYPES = ['downloadCount', 'likeCount', 'commentCount', 'ratingSum', 'ratingCount'];
const ENTITY_TYPES = ['Model', 'Image', 'Post', 'Article', 'User', 'Collection'];
const BACKGROUND_TYPES = [...new Set([...TARGET_TYPES, ...IMAGE_METRIC_TYPES, 'favoriteCount'])];
const YEAR_MS = 365 * 86_400_000;
// Targets sit at 5000 + k·10000, spread over the key space among the background Models, which skip them.
export const targetIds = Array.from({ length: TARGETS }, (_, k) => 5_000 + k * 10_000);

const sq = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(',')}]`;
const insertColumns =
  'eventId, entityType, entityId, userId, metricType, metricValue, createdAt, origin, originSeq';

/** The first row of a query's result. */
export async function one<T>(client: ClickHouseClient, query: string): Promise<T> {
  const rows = await (await client.query({ query, format: 'JSONEachRow' })).json<T>();
  return rows[0]!;
}

export class GrowthTable {
  /** Rolls run so far and the time they took; the same for compactions (with their sweeps). */
  rolls = 0;
  rollMs = 0;
  compactions = 0;
  compactMs = 0;
  private background = 0;
  private live = 0;
  private readonly rollup = rollupTables();

  constructor(
    private readonly clickhouse: ClickHouseClient,
    /**
     * `live`: fresh events per size left unrolled (0 without the rollup); `compact`: compact the rollup at
     * each size as hosts do (closed months folded) and delete the replaced rows, as the sweep would later.
     */
    private readonly options: { nowMs: number; rollup: boolean; live: number; compact?: boolean },
  ) {}

  /** Inserts the targets' events (before any background). */
  async insertTargets(): Promise<void> {
    const { nowMs } = this.options;
    await this.clickhouse.command({
      query: `INSERT INTO entityMetricEvents (${insertColumns})
SELECT concat('t-', toString(number)), 'Model', 5000 + intDiv(number, ${EVENTS_PER_TARGET}) * 10000, number % 5000,
  ${sq(TARGET_TYPES)}[1 + number % ${TARGET_TYPES.length}] AS m, if(m = 'ratingSum', 1 + number % 5, 1),
  fromUnixTimestamp64Milli(toInt64(${nowMs} - sipHash64(number, 1) % ${YEAR_MS}), 'UTC'),
  concat('bench:', toString(number % 3)), number
FROM numbers(${TARGETS * EVENTS_PER_TARGET})`,
    });
  }

  /**
   * Grows the background to `rows` (rolling each chunk, then compacting); returns the ms it took. The live
   * events come after, with `openPart`.
   */
  async fillTo(rows: number): Promise<number> {
    const { nowMs } = this.options;
    const t0 = performance.now();
    await this.roll(); // the previous size's live events, or the targets
    while (this.background < rows) {
      const n = Math.min(CHUNK, rows - this.background);
      await this.clickhouse.command({
        query: `INSERT INTO entityMetricEvents (${insertColumns})
SELECT concat('g-', toString(number)), ${sq(ENTITY_TYPES)}[1 + sipHash64(number, 2) % ${ENTITY_TYPES.length}],
  ((1 + sipHash64(number, 3) % 1000000) AS e0) + if(e0 % 10000 = 5000, 1, 0), sipHash64(number, 4) % 500000,
  ${sq(BACKGROUND_TYPES)}[1 + sipHash64(number, 5) % ${BACKGROUND_TYPES.length}] AS m,
  if(m = 'ratingSum', 1 + number % 5, 1),
  fromUnixTimestamp64Milli(toInt64(${nowMs} - sipHash64(number, 6) % ${YEAR_MS}), 'UTC'),
  concat('bench:', toString(number % 3)), ${TARGETS * EVENTS_PER_TARGET} + number
FROM numbers(${this.background}, ${n})
SETTINGS max_insert_threads = 1`,
      });
      this.background += n;
      await this.roll();
    }
    if (this.options.rollup && this.options.compact) await this.compact();
    if (this.options.rollup) {
      // Every distinct event inserted so far (targets, background, earlier live batches) is rolled once.
      const rolled = await one<{ n: string }>(
        this.clickhouse,
        `SELECT sum(length(times)) AS n FROM ${this.rollup.daily}`,
      );
      const expected = TARGETS * EVENTS_PER_TARGET + this.background + this.live;
      if (Number(rolled.n) !== expected) throw new Error(`rolled ${rolled.n} events, expected ${expected}`);
    }
    return performance.now() - t0;
  }

  /**
   * The state reads meet in a host: a head committed moments ago (hosts roll every 60 s; a head older than
   * HEAD_REUSE_MS, as after a long compaction or settle, makes every read read the roll state again), then
   * fresh events above its cut.
   */
  async openPart(): Promise<void> {
    await this.roll(); // nothing new to roll: `recent` is empty after fillTo
    await this.insertLive();
  }

  /** Rolls everything stored, then empties `recent`: all of it is rolled and, in a running host, old. */
  private async roll(): Promise<void> {
    if (!this.options.rollup) return;
    const t0 = performance.now();
    const result = await rollMetricEvents(this.clickhouse);
    if (!result.committed) throw new Error(`roll did not commit: ${JSON.stringify(result)}`);
    this.rollMs += performance.now() - t0;
    this.rolls++;
    await this.clickhouse.command({ query: `TRUNCATE TABLE ${this.rollup.recent}` });
  }

  /** Compactions until nothing is left to fold, then the rows they replaced deleted (the sweep, brought forward). */
  private async compact(): Promise<void> {
    const t0 = performance.now();
    while ((await compactRollup(this.clickhouse)).committed) this.compactions++;
    const chain = headChainFilter((await readRollState(this.clickhouse))!);
    await this.clickhouse.command({
      query: `ALTER TABLE ${this.rollup.daily} DELETE WHERE NOT (${chain.sql})`,
      query_params: chain.params,
      clickhouse_settings: { mutations_sync: '2' },
    });
    this.compactMs += performance.now() - t0;
  }

  /**
   * Fresh background events left unrolled: the open part every miss reads. Their own origins: an origin's
   * stored events must stay a prefix of its sequence, which the rollup's cuts rely on.
   */
  private async insertLive(): Promise<void> {
    const { nowMs, live: LIVE } = this.options;
    if (!LIVE) return;
    await this.clickhouse.command({
      query: `INSERT INTO entityMetricEvents (${insertColumns})
SELECT concat('l-', toString(number)), ${sq(ENTITY_TYPES)}[1 + sipHash64(number, 2) % ${ENTITY_TYPES.length}],
  ((1 + sipHash64(number, 3) % 1000000) AS e0) + if(e0 % 10000 = 5000, 1, 0), 0,
  ${sq(BACKGROUND_TYPES)}[1 + sipHash64(number, 5) % ${BACKGROUND_TYPES.length}] AS m, 1,
  fromUnixTimestamp64Milli(toInt64(${nowMs} - sipHash64(number, 6) % 86400000), 'UTC'),
  concat('live:', toString(number % 3)), number
FROM numbers(${this.live}, ${LIVE})`,
    });
    this.live += LIVE;
  }
}
