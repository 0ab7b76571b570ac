import { describe, expect, it } from 'vitest';
import { storeEvents, type TestEnv } from './env.js';
import { ago, flushFixture } from './flush-fixture.js';

describe('metrics-only flush (real chDB, Redis; Meilisearch fake)', () => {
  const f = flushFixture();

  it('sends metric fields only: non-metric fields stay untouched, missing documents are not created', async () => {
    const { env, fake, seedDocuments, entityBase, newSync, images } = f;
    const [a, b, missing] = [entityBase + 1, entityBase + 2, entityBase + 3];
    const before = await seedDocuments(images, [a, b]);
    await storeEvents(env.clickhouse, [
      { entityType: 'Image', entityId: a, metricType: 'likeCount', metricValue: 1, createdAt: ago(0.5) },
      { entityType: 'Image', entityId: a, metricType: 'likeCount', metricValue: 1, createdAt: ago(3) },
      { entityType: 'Image', entityId: b, metricType: 'heartCount', metricValue: 1, createdAt: ago(40) },
      { entityType: 'Image', entityId: missing, metricType: 'likeCount', metricValue: 1, createdAt: ago(1) },
    ]);
    const sync = newSync();
    await sync.queues.queueMetrics('Image', [a, b, missing]);
    const result = await sync.flushNow();
    expect(result).toMatchObject({ status: 'flushed', metricIds: 3 });

    const docA = fake.document(images, a)!;
    const docB = fake.document(images, b)!;
    // Every non-metric field is exactly what the app wrote.
    for (const [doc, original] of [
      [docA, before[0]!],
      [docB, before[1]!],
    ] as const) {
      for (const [k, v] of Object.entries(original)) expect(doc[k]).toEqual(v);
    }
    expect(docA).toMatchObject({
      likeCountDay: 1,
      likeCountWeek: 2,
      likeCountAllTime: 2,
      heartCountAllTime: 0,
    });
    expect(docB).toMatchObject({
      likeCountAllTime: 0,
      heartCountMonth: 0,
      heartCountYear: 1,
      heartCountAllTime: 1,
    });
    // The metric update carried nothing but the id and metric fields.
    const metricKeys = Object.keys(docA).filter((k) => !(k in before[0]!));
    expect(metricKeys.every((k) => /(Day|Week|Month|Year|AllTime)$/.test(k))).toBe(true);
    expect(fake.document(images, missing)).toBeUndefined();
    expect((await sync.stats()).queued.metrics).toEqual({ Image: 0, Post: 0 });
  });

  it('costs one ClickHouse query per entity type and one request per index per chunk of 2,500 ids, not per id', async () => {
    const { env, fake, seedDocuments, entityBase, newSync } = f;
    const costs: { n: number; ch: number; states: number; imagePuts: number; postPuts: number }[] = [];
    for (const n of [3, 300, 3000]) {
      f.images = env.unique(`images_n${n}`);
      f.posts = env.unique(`posts_n${n}`);
      const imageIds = Array.from({ length: n }, (_, i) => entityBase + n * 10 + i);
      const postIds = imageIds.map((id) => id + 5_000_000);
      await seedDocuments(f.images, imageIds);
      await seedDocuments(f.posts, postIds);
      await storeEvents(
        env.clickhouse,
        imageIds.map((id, i) => ({
          entityType: 'Image',
          entityId: id,
          metricType: 'likeCount',
          metricValue: 1,
          createdAt: ago(i % 400),
        })),
      );
      const sync = newSync();
      await sync.queues.queueMetrics('Image', imageIds);
      await sync.queues.queueMetrics('Post', postIds);
      env.resetCounts();
      const putsBefore = (uid: string) => fake.count('PUT', new RegExp(`^/indexes/${uid}/documents$`));
      expect(await sync.flushNow()).toMatchObject({ status: 'flushed', rounds: 1, metricIds: 2 * n });
      costs.push({
        n,
        ch: env.clickhouseQueries(),
        states: env.rollStateReads(),
        imagePuts: putsBefore(f.images),
        postPuts: putsBefore(f.posts),
      });
      expect(fake.documents(f.images).filter((d) => d.likeCountAllTime === 1)).toHaveLength(n);
    }
    // One totals query per entity type (Image, Post) and chunk of 2,500 ids (the default `chunkSize`), and
    // one document request per index and chunk: 2 queries for 3 and 300 ids, 4 for 3000. (The clock stands
    // still here; when it moves, one more query finds the ids whose windows moved.) Besides, a small read of
    // the read rollup's roll table (its state), shared by the queries of the same second: one, or at most
    // one per totals query.
    expect(costs.map(({ ch, imagePuts, postPuts }) => ({ ch, imagePuts, postPuts }))).toEqual([
      { ch: 2, imagePuts: 1, postPuts: 1 },
      { ch: 2, imagePuts: 1, postPuts: 1 },
      { ch: 4, imagePuts: 2, postPuts: 2 },
    ]);
    for (const c of costs) expect(c.states).toBeGreaterThanOrEqual(1);
    for (const c of costs) expect(c.states).toBeLessThanOrEqual(c.ch);
  });

  it('in chunks: a query and a request per chunk, the same documents, and a failed chunk keeps its own ids queued', async () => {
    const { env, fake, seedDocuments, entityBase, newSync, images } = f;
    const ids = Array.from({ length: 250 }, (_, i) => entityBase + i);
    await seedDocuments(images, ids);
    await storeEvents(
      env.clickhouse,
      ids.flatMap((id, i) =>
        Array.from({ length: 1 + (i % 4) }, (_, k) => ({
          entityType: 'Image',
          entityId: id,
          metricType: k % 2 ? 'heartCount' : 'likeCount',
          metricValue: 1,
          createdAt: ago((i * 7 + k * 31) % 400),
        })),
      ),
    );
    const puts = () => fake.count('PUT', new RegExp(`^/indexes/${images}/documents$`));
    // The truth: the same ids flushed in one query, into an index of their own.
    const whole = env.unique('whole');
    await seedDocuments(whole, ids);
    const metricTypes = ['likeCount', 'heartCount', 'ratingSum', 'ratingCount'];
    const one = newSync({ indexes: [{ uid: whole, entityType: 'Image', metricTypes }] });
    await one.queues.queueMetrics('Image', ids);
    expect(await one.flushNow()).toMatchObject({ status: 'flushed', metricIds: 250 });
    const truth = ids.map((id) => fake.document(whole, id));
    expect(truth.filter((d) => d?.likeCountAllTime)).toHaveLength(250);

    const sync = newSync({
      chunkSize: 100,
      indexes: [{ uid: images, entityType: 'Image', metricTypes }],
      retryBaseMs: 600_000, // the second flush below is this test's own
    });
    await sync.queues.queueMetrics('Image', ids);
    env.resetCounts();
    // The first chunk's task fails; the two after it are sent, applied and acknowledged all the same.
    fake.tasks.failNext(1);
    expect(await sync.flushNow()).toMatchObject({ status: 'failed' });
    expect(puts()).toBe(3);
    // Pipelined: a chunk's query was already sent when the one before it was answered.
    expect(env.queriesInFlightMax()).toBe(2);
    expect((await sync.stats()).queued.metrics).toEqual({ Image: 100 });
    expect((await sync.queues.metrics.take('Image', 250)).ids.sort((a, b) => a - b)).toEqual(
      ids.slice(0, 100),
    );

    env.resetCounts();
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', rounds: 1, metricIds: 100 });
    // The failed chunk's 100 ids: one query and one request. The read rollup's state is read at most once
    // per query: queries of the same second share a read (here maybe the failed flush's, just before).
    expect(env.clickhouseQueries()).toBe(1);
    expect(env.rollStateReads()).toBeLessThanOrEqual(1);
    expect(puts()).toBe(4);
    expect(ids.map((id) => fake.document(images, id))).toEqual(truth);
    expect((await sync.stats()).queued.metrics).toEqual({ Image: 0 });
    await sync.stop();
  });

  it('sends, per timeframe, exactly what ClickHouse sums for that window (FINAL: replays count once)', async () => {
    const { env, fake, seedDocuments, entityBase, newSync, images } = f;
    const ids = [entityBase + 1, entityBase + 2, entityBase + 3];
    await seedDocuments(images, ids);
    // Events spread over two years, with removals (negative deltas) and replayed event ids.
    const offsets = [0.01, 0.5, 0.99, 1.5, 2, 6.9, 7.5, 12, 29.5, 31, 100, 200, 364, 366, 500, 700];
    const events = ids.flatMap((id, k) =>
      offsets.flatMap((days, i) => [
        {
          entityType: 'Image',
          entityId: id,
          metricType: 'likeCount',
          metricValue: i % 5 === 4 ? -1 : 1,
          createdAt: ago(days + k * 0.001),
        },
        {
          entityType: 'Image',
          entityId: id,
          metricType: 'ratingSum',
          metricValue: 1 + ((i + k) % 5),
          createdAt: ago(days),
        },
        {
          entityType: 'Image',
          entityId: id,
          metricType: 'ratingCount',
          metricValue: 1,
          createdAt: ago(days),
        },
      ]),
    );
    const stored = await storeEvents(env.clickhouse, events);
    // A replay of the first ten events: same ids, so FINAL must collapse them.
    await storeEvents(env.clickhouse, events.slice(0, 10), {
      eventIds: stored.slice(0, 10).map((e) => e.eventId),
    });

    const sync = newSync();
    await sync.queues.queueMetrics('Image', ids);
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed' });

    const windows = { Day: 1, Week: 7, Month: 30, Year: 365, AllTime: null } as const;
    for (const id of ids) {
      const doc = fake.document(images, id)!;
      for (const [suffix, days] of Object.entries(windows)) {
        const truth = await windowSums(env, id, days === null ? null : ago(days));
        // Independent of the code under test: what ClickHouse says, and what the events themselves say.
        const fromEvents = (metric: string) =>
          events
            .filter(
              (e) =>
                e.entityId === id && e.metricType === metric && (days === null || e.createdAt >= ago(days)),
            )
            .reduce((n, e) => n + e.metricValue, 0);
        expect(truth.likeCount).toBe(fromEvents('likeCount'));
        expect(doc[`likeCount${suffix}`]).toBe(truth.likeCount);
        expect(doc[`ratingSum${suffix}`]).toBe(truth.ratingSum);
        expect(doc[`ratingCount${suffix}`]).toBe(truth.ratingCount);
        expect(doc[`rating${suffix}`]).toBeCloseTo(
          truth.ratingCount ? (truth.ratingSum ?? 0) / truth.ratingCount : 0,
          10,
        );
      }
      // The windows really differ, so a mix-up between them would show.
      expect(
        new Set([
          doc.ratingCountDay,
          doc.ratingCountWeek,
          doc.ratingCountMonth,
          doc.ratingCountYear,
          doc.ratingCountAllTime,
        ]).size,
      ).toBe(5);
    }
  });
});

/** Sums per metric type of one image over [start, ∞), straight from ClickHouse with FINAL. */
async function windowSums(env: TestEnv, id: number, start: Date | null): Promise<Record<string, number>> {
  const result = await env.clickhouse.query({
    query: `SELECT metricType, sum(metricValue) AS total FROM entityMetricEvents FINAL
            WHERE entityType = 'Image' AND entityId = {id:Int64}
              AND createdAt >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
            GROUP BY metricType`,
    query_params: { id, from: start ? start.getTime() : 0 },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ metricType: string; total: string }>();
  return Object.fromEntries(rows.map((r) => [r.metricType, Number(r.total)]));
}
