import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecoder } from '../src/events/decode.js';
import { defineListener, definePlugin, readRow } from '../src/index.js';
import { createEventPipeline, type EventPipeline } from '../src/kafka/create-pipeline.js';
import { createMetricReader, type ReadStats } from '../src/reader/index.js';
import { readMetricTotals } from '../src/sinks/clickhouse/metric-totals.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';

// Postgres changes stream through Debezium, Kafka and the real pipeline (ClickHouse insert, metric topic,
// Redis increments) while several readers keep evicting and refilling the same hashes, with random pauses
// inside their fills. Afterwards every cached value must equal ClickHouse, and ClickHouse must equal Postgres.
// The listener counts reactions under an entity type of this run: other runs' pipelines read the same Debezium
// topic and would otherwise increment these hashes too (with their own watermarks, so a second time).

const IMAGES = 12;
const FANS = 15;
const REACTIONS = ['Like', 'Heart', 'Laugh'] as const;
const METRICS = ['likeCount', 'heartCount', 'laughCount', 'reactionCount'] as const;
const STREAM_MS = 8_000;

let stack: StackConnections;
let pipeline: EventPipeline;
let scope: string;
let entityType: string;
const images: number[] = [];
const fans: number[] = [];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

beforeAll(async () => {
  stack = await connectStack();
  scope = stack.unique('reader-race');
  entityType = stack.unique('RaceImage');
  const counter = defineListener({
    id: 'race.reactions',
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
  const owner = await stack.pg.query('INSERT INTO "User"(username) VALUES ($1) RETURNING id', [
    stack.unique('owner'),
  ]);
  for (let i = 0; i < FANS; i++) {
    const r = await stack.pg.query('INSERT INTO "User"(username) VALUES ($1) RETURNING id', [
      stack.unique(`fan${i}`),
    ]);
    fans.push(r.rows[0].id);
  }
  for (let i = 0; i < IMAGES; i++) {
    const r = await stack.pg.query('INSERT INTO "Image"("userId") VALUES ($1) RETURNING id', [
      owner.rows[0].id,
    ]);
    images.push(r.rows[0].id);
  }
  pipeline = await createEventPipeline({
    brokers: stack.env.KAFKA_BROKERS!.split(','),
    groupId: stack.unique('reader-race'),
    plugins: [definePlugin({ id: 'race', owner: '@team/platform', listeners: [counter] })],
    decode: createDecoder({ debezium: { topicPrefix: stack.env.DEBEZIUM_TOPIC_PREFIX! } }),
    sourceTopics: ['app.public.ImageReaction'],
    createTopics: ['app.public.ImageReaction'],
    metricTopic: stack.unique('reader-race.metrics'),
    deadLetterTopic: stack.unique('reader-race.dlq'),
    clickhouse: stack.clickhouse,
    redis: stack.redis,
    cacheScope: scope,
    flushIntervalMs: 150,
  });
  await pipeline.start();
});

afterAll(async () => {
  await pipeline?.close();
  await stack?.close();
});

/** Adds, removes or changes reactions on the test's images until `until`. Returns how many changes it made. */
async function streamChanges(until: number): Promise<number> {
  let changes = 0;
  while (Date.now() < until) {
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

/**
 * Evicts random hashes and reads every image again, until `until`; the last round evicts every hash, so the
 * final value of each one comes from a fill that raced the stream.
 */
async function fillLoop(until: number, reads: ReadStats[]): Promise<void> {
  const reader = createMetricReader({
    redis: stack.redis,
    clickhouse: stack.clickhouse,
    onRead: (s) => reads.push(s),
    // Random pauses after the claim and after the query widen the windows in which increments race the fill:
    // the second is longer than the pipeline's flush interval, so events are stored in ClickHouse and applied
    // to Redis entirely between a fill's query and its commit.
    onFillStep: (step) => sleep(Math.random() * (step === 'claimed' ? 50 : 300)),
  });
  const request = { entityType, entityIds: images, metrics: METRICS, timeframes: ['day', 'all'] as const };
  while (Date.now() < until) {
    const evict = images.filter(() => Math.random() < 0.4).map((id) => `metrics:${entityType}:${id}`);
    if (evict.length) await stack.redis.del(...evict);
    await reader.getMetrics(request);
    await sleep(Math.random() * 30);
  }
  await stack.redis.del(...images.map((id) => `metrics:${entityType}:${id}`));
  await reader.getMetrics(request);
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

async function clickhouseAll(): Promise<Record<number, Record<string, number>>> {
  const rows = await readMetricTotals(stack.clickhouse, {
    entityType,
    entityIds: images,
    metricTypes: METRICS,
    timeframes: ['all'],
  });
  return Object.fromEntries(
    rows.map((r) => [r.entityId, Object.fromEntries(METRICS.map((m) => [m, r.totals[m]!.all]))]),
  );
}

describe('fills racing streamed increments on the real stack', () => {
  it('leaves every cached value equal to ClickHouse, and ClickHouse equal to Postgres', async () => {
    const until = Date.now() + STREAM_MS;
    const reads: ReadStats[] = [];
    // The stream outlasts the fills a little, so the last fills race it too and increments follow them.
    const [changes] = await Promise.all([
      streamChanges(until + 1_000),
      fillLoop(until, reads),
      fillLoop(until, reads),
      fillLoop(until, reads),
    ]);

    // Settle: ClickHouse holds every change, then Redis has applied every stored event of these images.
    const expected = await postgresTruth();
    await waitFor(clickhouseAll, (t) => JSON.stringify(t) === JSON.stringify(expected));
    const stored = await stack.clickhouse.query({
      query: `SELECT toString(origin) AS origin, max(originSeq) AS seq FROM entityMetricEvents FINAL
              WHERE entityType = {t:String} AND entityId IN {ids:Array(Int64)} GROUP BY origin`,
      query_params: { t: entityType, ids: images },
      format: 'JSONEachRow',
    });
    const highest = await stored.json<{ origin: string; seq: string | number }>();
    await waitFor(
      () => stack.redis.hmget(`eventbus:cache:watermarks:${scope}`, ...highest.map((h) => h.origin)),
      (marks) => marks.every((m, i) => m !== null && Number(m) >= Number(highest[i]!.seq)),
    );

    const fills = reads.reduce((n, r) => n + r.filled, 0);
    const buffered = reads.reduce((n, r) => n + r.buffered, 0);
    console.log(
      `${changes} changes, ${reads.length} reads, ${fills} hashes filled, ${buffered} increments raced a fill`,
    );
    expect(changes).toBeGreaterThan(300);
    expect(fills).toBeGreaterThan(100);
    // The race must actually have happened for this test to prove anything.
    expect(buffered).toBeGreaterThan(0);

    for (const id of images) {
      const hash = await stack.redis.hgetall(`metrics:${entityType}:${id}`);
      expect(hash['~at'], `image ${id} is cached`).toBeDefined();
      const [truth] = await readMetricTotals(stack.clickhouse, {
        entityType,
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
  });
});
