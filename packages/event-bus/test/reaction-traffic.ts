// Realistic traffic for the tests that run the whole path (Postgres → Debezium → Kafka → pipeline →
// ClickHouse and Redis): fans add, remove and change reactions on a few images of this run, a listener
// counts them, and helpers read the truth from Postgres and compare every cached field with it.
// The listener counts under an entity type of this run: other runs' pipelines read the same Debezium topic
// and would otherwise increment these hashes too (with their own watermarks, so a second time).
import type { ClickHouseClient } from '@clickhouse/client';
import { defineListener, definePlugin, type PluginDefinition, readRow } from '@engagement/plugin-api';
import { expect } from 'vitest';
import { readMetricTotals } from '../src/sinks/clickhouse/metric-totals.js';
import { defaultCacheKeys, shardWatermarkKey } from '../src/sinks/redis/cache-keys.js';
import type { RedisClient } from '../src/sinks/redis/redis-client.js';
import { type StackConnections, waitFor } from './integration-env.js';

const REACTIONS = ['Like', 'Heart', 'Laugh'] as const;
/** The metrics the listener emits per image. */
export const METRICS = ['likeCount', 'heartCount', 'laughCount', 'reactionCount'] as const;

export interface ReactionTraffic {
  entityType: string;
  images: number[];
  plugin: PluginDefinition;
  /** Adds, removes or changes reactions until `running()` turns false. Returns how many changes it made. */
  stream(running: () => boolean): Promise<number>;
  /** Every image's metrics computed from the `ImageReaction` rows. */
  postgresTruth(): Promise<Record<number, Record<string, number>>>;
  /** Every image's all-time metrics as ClickHouse reads them (`FINAL`). */
  clickhouseTotals(clickhouse: ClickHouseClient): Promise<Record<number, Record<string, number>>>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/** Creates the run's users and images in Postgres and the listener (plugin `name`) that counts their reactions. */
export async function reactionTraffic(
  stack: StackConnections,
  name: string,
  counts: { images: number; fans: number },
): Promise<ReactionTraffic> {
  const entityType = stack.unique(`${name}Image`);
  const listener = defineListener({
    id: `${name}.reactions`,
    tables: ['ImageReaction'],
    canHandle: (e) => e.table === 'ImageReaction' && e.op !== 'snapshot',
    handle(e, { metrics }) {
      const emit = (row: Record<string, unknown>, sign: 1 | -1) => {
        const r = readRow(row);
        const base = { entityType, entityId: r.int('imageId'), userId: r.int('userId'), metricValue: sign };
        metrics.add({ ...base, metricType: `${r.string('reaction').toLowerCase()}Count` });
        metrics.add({ ...base, metricType: 'reactionCount' });
      };
      if (e.before && e.op !== 'create') emit(e.before, -1);
      if (e.after && e.op !== 'delete') emit(e.after, 1);
    },
  });
  const insertUser = async (username: string): Promise<number> =>
    (await stack.pg.query('INSERT INTO "User"(username) VALUES ($1) RETURNING id', [username])).rows[0].id;
  const owner = await insertUser(stack.unique(`${name}-owner`));
  const fans: number[] = [];
  for (let i = 0; i < counts.fans; i++) fans.push(await insertUser(stack.unique(`${name}-fan${i}`)));
  const images: number[] = [];
  for (let i = 0; i < counts.images; i++) {
    const r = await stack.pg.query('INSERT INTO "Image"("userId") VALUES ($1) RETURNING id', [owner]);
    images.push(r.rows[0].id);
  }

  async function stream(running: () => boolean): Promise<number> {
    let changes = 0;
    while (running()) {
      const image = pick(images);
      const fan = pick(fans);
      const reaction = pick(REACTIONS);
      const inserted = await stack.pg.query(
        `INSERT INTO "ImageReaction"("imageId","userId",reaction) VALUES ($1,$2,$3)
         ON CONFLICT ("imageId","userId",reaction) DO NOTHING RETURNING id`,
        [image, fan, reaction],
      );
      if (inserted.rowCount === 0) {
        if (Math.random() < 0.5) {
          await stack.pg.query(
            `DELETE FROM "ImageReaction" WHERE "imageId"=$1 AND "userId"=$2 AND reaction=$3`,
            [image, fan, reaction],
          );
        } else {
          // Change the reaction kind (skipped when the fan already has the other kind on this image).
          await stack.pg.query(
            `UPDATE "ImageReaction" r SET reaction = $4 WHERE "imageId"=$1 AND "userId"=$2 AND reaction=$3
             AND NOT EXISTS (SELECT 1 FROM "ImageReaction" o WHERE o."imageId"=$1 AND o."userId"=$2 AND o.reaction=$4)`,
            [image, fan, reaction, pick(REACTIONS.filter((x) => x !== reaction))],
          );
        }
      }
      changes++;
      await sleep(5);
    }
    return changes;
  }

  async function postgresTruth(): Promise<Record<number, Record<string, number>>> {
    const r = await stack.pg.query(
      `SELECT "imageId", reaction, count(*)::int AS n FROM "ImageReaction" WHERE "imageId" = ANY($1) GROUP BY 1, 2`,
      [images],
    );
    const out: Record<number, Record<string, number>> = {};
    for (const id of images) out[id] = Object.fromEntries(METRICS.map((m) => [m, 0]));
    for (const row of r.rows) {
      out[row.imageId]![`${String(row.reaction).toLowerCase()}Count`] = row.n;
      out[row.imageId]!.reactionCount! += row.n;
    }
    return out;
  }

  async function clickhouseTotals(clickhouse: ClickHouseClient) {
    const rows = await readMetricTotals(clickhouse, {
      entityType,
      entityIds: images,
      metricTypes: METRICS,
      timeframes: ['all'],
    });
    return Object.fromEntries(
      rows.map((r) => [r.entityId, Object.fromEntries(METRICS.map((m) => [m, r.totals[m]!.all]))]),
    );
  }

  const plugin = definePlugin({ id: name, owner: '@team/platform', listeners: [listener] });
  return { entityType, images, plugin, stream, postgresTruth, clickhouseTotals };
}

/**
 * Waits until ClickHouse holds every change (equals Postgres), then until Redis has applied every stored
 * event of the run's images (the watermark of each origin reaches ClickHouse's highest position). Returns
 * the Postgres truth.
 */
export async function settle(
  traffic: ReactionTraffic,
  clickhouse: ClickHouseClient,
  redis: RedisClient,
  watermarkKey: string,
): Promise<Record<number, Record<string, number>>> {
  const expected = await traffic.postgresTruth();
  await waitFor(
    () => traffic.clickhouseTotals(clickhouse),
    (t) => JSON.stringify(t) === JSON.stringify(expected),
  );
  // Per shard, each origin's highest stored position among the run's images: that shard's watermark reaches it.
  const stored = await clickhouse.query({
    query: `SELECT toString(origin) AS origin, entityId, max(originSeq) AS seq FROM entityMetricEvents FINAL
            WHERE entityType = {t:String} AND entityId IN {ids:Array(Int64)} GROUP BY origin, entityId`,
    query_params: { t: traffic.entityType, ids: traffic.images },
    format: 'JSONEachRow',
  });
  const highest = new Map<string, Map<string, number>>();
  for (const row of await stored.json<{
    origin: string;
    entityId: string | number;
    seq: string | number;
  }>()) {
    const key = shardWatermarkKey(
      watermarkKey,
      defaultCacheKeys.shardOf(traffic.entityType, Number(row.entityId)),
    );
    const marks = highest.get(key) ?? new Map<string, number>();
    marks.set(row.origin, Math.max(marks.get(row.origin) ?? -1, Number(row.seq)));
    highest.set(key, marks);
  }
  for (const [key, marks] of highest) {
    const origins = [...marks.keys()];
    await waitFor(
      () => redis.hmget(key, ...origins),
      (values) => values.every((m, i) => m !== null && Number(m) >= marks.get(origins[i]!)!),
    );
  }
  return expected;
}

/**
 * Every cached field of every image equals ClickHouse with the windows measured from the hash's `~at`,
 * and its all-time value equals Postgres.
 */
export async function expectCachedExact(
  traffic: ReactionTraffic,
  clickhouse: ClickHouseClient,
  redis: RedisClient,
  expected: Record<number, Record<string, number>>,
): Promise<void> {
  for (const id of traffic.images) {
    const hash = await redis.hgetall(defaultCacheKeys.key(traffic.entityType, id));
    expect(hash['~at'], `image ${id} is cached`).toBeDefined();
    const [truth] = await readMetricTotals(clickhouse, {
      entityType: traffic.entityType,
      entityIds: [id],
      metricTypes: METRICS,
      timeframes: ['day', 'all'],
      now: new Date(Number(hash['~at'])),
    });
    const cached = Object.fromEntries(
      METRICS.map((m) => [m, { day: Number(hash[`${m}:day`]), all: Number(hash[m]) }]),
    );
    expect(cached, `image ${id}`).toEqual(truth!.totals);
    expect(Object.fromEntries(METRICS.map((m) => [m, cached[m]!.all])), `image ${id} vs Postgres`).toEqual(
      expected[id],
    );
  }
}
