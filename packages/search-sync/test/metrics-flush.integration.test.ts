import { Meilisearch } from 'meilisearch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSearchSync, type SearchIndexConfig } from '../src/index.js';
import { FakeMeilisearch } from '../src/testing/index.js';
import { openTestEnv, storeEvents, type TestEnv } from './env.js';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('metrics-only flush (real chDB, Redis; Meilisearch fake)', () => {
  let env: TestEnv;
  let fake: FakeMeilisearch;
  let meili: Meilisearch;
  let images: string;
  let posts: string;
  let entityBase: number;

  const indexes = (): SearchIndexConfig[] => [
    {
      uid: images,
      entityType: 'Image',
      metricTypes: ['likeCount', 'heartCount', 'ratingSum', 'ratingCount'],
    },
    { uid: posts, entityType: 'Post', metricTypes: ['likeCount'] },
  ];
  const newSync = () =>
    createSearchSync({
      redis: env.redis,
      clickhouse: env.clickhouse,
      meilisearch: { host: fake.host, apiKey: 'key' },
      indexes: indexes(),
      keyPrefix: `${env.unique('ss')}:`,
      now: () => NOW,
      taskPollMs: 5,
    });

  beforeAll(async () => {
    env = await openTestEnv();
    fake = await FakeMeilisearch.start({ apiKey: 'key', processingMs: 2 });
    meili = new Meilisearch({ host: fake.host, apiKey: 'key' });
  });
  afterAll(async () => {
    await fake.close();
    await env.close();
  });
  beforeEach(() => {
    images = env.unique(`images${Math.random().toString(36).slice(2, 6)}`);
    posts = env.unique(`posts${Math.random().toString(36).slice(2, 6)}`);
    // Entity ids unique to each test: the embedded ClickHouse is shared by the whole file.
    entityBase = Math.floor(Math.random() * 1e9) * 1000;
  });

  /** Documents as the app's own indexer wrote them: non-metric fields search-sync must never touch. */
  async function seedDocuments(uid: string, ids: number[]) {
    const docs = ids.map((id) => ({
      id,
      url: `https://img/${id}.png`,
      nsfwLevel: id % 3,
      tags: ['a', `t${id}`],
    }));
    await meili.index(uid).addDocuments(docs, { primaryKey: 'id' }).waitTask();
    return docs;
  }

  it('sends metric fields only: non-metric fields stay untouched, missing documents are not created', async () => {
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

  it('costs one ClickHouse query per entity type and one Meilisearch request per index, whatever N is', async () => {
    const costs: { n: number; ch: number; imagePuts: number; postPuts: number }[] = [];
    for (const n of [3, 300, 3000]) {
      images = env.unique(`images_n${n}`);
      posts = env.unique(`posts_n${n}`);
      const imageIds = Array.from({ length: n }, (_, i) => entityBase + n * 10 + i);
      const postIds = imageIds.map((id) => id + 5_000_000);
      await seedDocuments(images, imageIds);
      await seedDocuments(posts, postIds);
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
        imagePuts: putsBefore(images),
        postPuts: putsBefore(posts),
      });
      expect(fake.documents(images).filter((d) => d.likeCountAllTime === 1)).toHaveLength(n);
    }
    // One totals query per entity type (Image, Post), each after a small read of the read rollup's roll
    // table (its state: 4 queries), and one document request per index, for 3, 300 and 3000 ids.
    // (The clock stands still here; when it moves, one more query finds the ids whose windows moved.)
    expect(costs.map(({ ch, imagePuts, postPuts }) => ({ ch, imagePuts, postPuts }))).toEqual([
      { ch: 4, imagePuts: 1, postPuts: 1 },
      { ch: 4, imagePuts: 1, postPuts: 1 },
      { ch: 4, imagePuts: 1, postPuts: 1 },
    ]);
  });

  it('queues by itself the ids whose events left a window since the last flush, and only those', async () => {
    // An entity type of this test alone: the aging query looks at every entity of the type.
    const type = env.unique(`Aged${Math.random().toString(36).slice(2, 6)}`);
    const uid = env.unique(`aged${Math.random().toString(36).slice(2, 6)}`);
    const leavesDay = entityBase + 1;
    const leavesWeek = entityBase + 2;
    const alreadyOut = entityBase + 3;
    const stays = entityBase + 4;
    await seedDocuments(uid, [leavesDay, leavesWeek, alreadyOut, stays]);
    await storeEvents(env.clickhouse, [
      { entityType: type, entityId: leavesDay, metricType: 'likeCount', metricValue: 1, createdAt: ago(0.5) },
      {
        entityType: type,
        entityId: leavesWeek,
        metricType: 'likeCount',
        metricValue: 1,
        createdAt: ago(6.5),
      },
      { entityType: type, entityId: alreadyOut, metricType: 'likeCount', metricValue: 1, createdAt: ago(10) },
      { entityType: type, entityId: stays, metricType: 'likeCount', metricValue: 1, createdAt: ago(0.1) },
    ]);
    let now = NOW;
    const sync = createSearchSync({
      redis: env.redis,
      clickhouse: env.clickhouse,
      meilisearch: { host: fake.host, apiKey: 'key' },
      indexes: [{ uid, entityType: type, metricTypes: ['likeCount'] }],
      keyPrefix: `${uid}:`,
      now: () => now,
      taskPollMs: 5,
    });
    // The first flush only sets the mark; the queued ids get their current values.
    await sync.queues.queueMetrics(type, [leavesDay, leavesWeek, alreadyOut, stays]);
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', metricIds: 4, agedIds: 0 });
    expect(fake.document(uid, leavesDay)).toMatchObject({ likeCountDay: 1, likeCountWeek: 1 });
    expect(fake.document(uid, leavesWeek)).toMatchObject({ likeCountDay: 0, likeCountWeek: 1 });
    const sentBefore = fake.count('PUT', new RegExp(`^/indexes/${uid}/documents$`));

    // A day later, with nothing queued: the day-old event left the day window and the 6.5-day-old one the
    // week window; the 10-day-old one had left the week before, the 0.1-day-old one is still in the day.
    now = new Date(NOW.getTime() + 0.6 * DAY);
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', agedIds: 2, metricIds: 2 });
    expect(fake.document(uid, leavesDay)).toMatchObject({
      likeCountDay: 0,
      likeCountWeek: 1,
      likeCountAllTime: 1,
    });
    expect(fake.document(uid, leavesWeek)).toMatchObject({ likeCountWeek: 0, likeCountMonth: 1 });
    expect(fake.document(uid, stays)).toMatchObject({ likeCountDay: 1 });
    expect(fake.count('PUT', new RegExp(`^/indexes/${uid}/documents$`))).toBe(sentBefore + 1);

    // Nothing left a window since: nothing is queued.
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', agedIds: 0, metricIds: 0 });
  });

  it('sends, per timeframe, exactly what ClickHouse sums for that window (FINAL: replays count once)', async () => {
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
