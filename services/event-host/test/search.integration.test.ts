// A host with Meilisearch configured runs search-sync: metric events of reactions queue their images and
// posts, a Post change queues its feed document, and a flush writes metrics-only partial updates and the
// feed document. Meilisearch is the HTTP fake (no server can be installed here); the rest is the stack.
import type { ClickHouseClient } from '@clickhouse/client';
import { fakeEvent } from '@engagement/event-bus/testing';
import { FakeMeilisearch } from '@engagement/search-sync/testing';
import type { Producer } from 'kafkajs';
import { Meilisearch } from 'meilisearch';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EventHost } from '../src/host/create-event-host.js';
import { connectProducer, hostEnv, produce, RUN, reactionPlan, startHost, waitFor } from './host-fixtures.js';

const KEY = 'search-test-key';

let fake: FakeMeilisearch;
let db: pg.Client;
let clickhouse: ClickHouseClient;
let producer: Producer;
let host: EventHost;
let env: Record<string, string>;
let postId: number;
let imageIds: number[];

beforeAll(async () => {
  fake = await FakeMeilisearch.start({ apiKey: KEY, processingMs: 2 });
  db = new pg.Client({ connectionString: inject('stackEnv').POSTGRES_URL });
  await db.connect();
  const prefix = `eh-search-${RUN}`;
  env = hostEnv('search', {
    EVENT_HOST_KAFKA_TOPICS: `${prefix}.public.ImageReaction,${prefix}.public.Post`,
    EVENT_HOST_MEILISEARCH_URL: fake.host,
    EVENT_HOST_MEILISEARCH_KEY: KEY,
    // Queues of this run only (the stack's Redis is shared); flushes only when the test asks.
    EVENT_HOST_SEARCH_KEY_PREFIX: `${prefix}:search:`,
    EVENT_HOST_SEARCH_SCHEDULE: '0 0 1 1 *',
    EVENT_HOST_SEARCH_THRESHOLD: '0',
    // The reaction changes below are made up (no such rows in Postgres): a recompute of the post, which a
    // removal of a post's reaction asks for, would count the post's reactions in Postgres instead.
    EVENT_HOST_RECOMPUTE_ENABLED: 'false',
  });
  const user = await db.query('INSERT INTO "User"(username) VALUES ($1) RETURNING id', [`${prefix}-user`]);
  const userId = user.rows[0].id as number;
  const post = await db.query(
    `INSERT INTO "Post"("userId", "title", "nsfwLevel", "publishedAt") VALUES ($1, 'search test', 1, now()) RETURNING *`,
    [userId],
  );
  postId = post.rows[0].id;
  imageIds = [];
  for (let index = 0; index < 2; index++) {
    const r = await db.query(
      `INSERT INTO "Image"("userId", "postId", "index", "nsfwLevel") VALUES ($1, $2, $3, 2) RETURNING id`,
      [userId, postId, index],
    );
    imageIds.push(r.rows[0].id);
  }
  // The images index belongs to the app's indexer: its documents exist, search-sync only adds metrics.
  const meili = new Meilisearch({ host: fake.host, apiKey: KEY });
  await meili
    .index('images_v1')
    .addDocuments(
      imageIds.map((id) => ({ id, url: `https://img/${id}.png`, tags: ['kept'] })),
      { primaryKey: 'id' },
    )
    .waitTask();

  ({ host, clickhouse } = await startHost(env));
  producer = await connectProducer(env);
  // The Post change Debezium would capture for the insert above.
  const postChange = fakeEvent.postgres('Post').created({
    ...post.rows[0],
    createdAt: post.rows[0].createdAt.getTime() * 1000,
    updatedAt: post.rows[0].updatedAt.getTime() * 1000,
    publishedAt: post.rows[0].publishedAt.getTime() * 1000,
  }).record;
  await produce(producer, `${prefix}.public.Post`, [{ key: postChange.key!, value: postChange.value! }]);
});

afterAll(async () => {
  await producer?.disconnect();
  await host?.stop();
  await clickhouse?.close();
  await db?.end();
  await fake?.close();
});

describe('a host with Meilisearch configured', () => {
  it('queues reacted images, their post and the changed post, and a flush updates only their metrics', async () => {
    expect(host.search).toBeDefined();
    const search = host.search!;
    const plan = reactionPlan(imageIds, 40);
    await produce(producer, env.EVENT_HOST_KAFKA_TOPICS!.split(',')[0]!, plan.records);

    const queued = await waitFor(
      () => search.stats().then((s) => s.queued),
      (q) => (q.metrics.Image ?? 0) >= 2 && (q.metrics.Post ?? 0) >= 1 && (q.feed.Post ?? 0) >= 1,
      60_000,
      'images, the post and the post feed document to be queued',
    );
    expect(queued.metrics.Image).toBe(2);

    const result = await search.flushNow();
    expect(result).toMatchObject({ status: 'flushed' });
    const after = (await search.stats()).queued;
    expect([...Object.values(after.metrics), ...Object.values(after.feed)].every((n) => n === 0)).toBe(true);

    for (const id of imageIds) {
      const doc = fake.document('images_v1', id)!;
      const totals = plan.expected.get(`Image:${id}`)!;
      // Fields the app's indexer wrote stay as they were; the metric fields are ClickHouse's totals.
      expect(doc).toMatchObject({ id, url: `https://img/${id}.png`, tags: ['kept'] });
      expect(doc).toMatchObject({
        likeCountAllTime: totals.likeCount,
        heartCountAllTime: totals.heartCount,
        laughCountAllTime: totals.laughCount,
      });
    }
    // The post feed document: raw fields from Postgres, and the post's metrics.
    const post = fake.document('posts_feed_v1', postId)!;
    expect(post).toMatchObject({ id: postId, nsfwLevel: 1, imageCount: 2, coverImageId: imageIds[0] });
    // A post's reaction counts take only increases as deltas (removals wait for a recompute, off here): the
    // document holds ClickHouse's totals, which are the plan's reactions given, not minus the removed ones.
    const given = [...plan.given.values()].reduce((n, t) => n + t.likeCount! + t.heartCount!, 0);
    expect(Number(post.likeCountAllTime) + Number(post.heartCountAllTime)).toBe(given);
  });

  it('shows a Meilisearch outage on /metrics and /status.json, keeps the ids queued, and recovers', async () => {
    const search = host.search!;
    await search.queues.queueMetrics('Image', imageIds);
    await search.queues.queueFeed('Post', [postId]);
    const status = async () => {
      const json = await (await fetch(`${host.url}/status.json`)).json();
      return json.sinks.find((s: { sink: string }) => s.sink === 'search').searchSync;
    };
    const searchUp = async () =>
      (await (await fetch(`${host.url}/metrics`)).text()).match(
        /^eventhost_sink_up\{sink="search"\} (\d)$/m,
      )?.[1];

    fake.outage(true);
    try {
      expect(await search.flushNow()).toMatchObject({ status: 'failed' });
      expect(await searchUp()).toBe('0');
      // Every queued id counts, the feed's too, and the page says why the flush failed. The failure
      // scheduled a retry after a random 0–1 s, which may have failed too by now.
      const page = await status();
      expect(page).toMatchObject({
        queued: imageIds.length + 1,
        lastError: expect.stringContaining('SS_MEILISEARCH_UNAVAILABLE'),
      });
      expect(page.consecutiveFailures).toBeGreaterThanOrEqual(1);
    } finally {
      fake.outage(false);
    }
    // A retry that began during the outage can take the ids before this flush does, so what is checked is
    // that they reached Meilisearch after the outage, by either.
    const seen = fake.requests.length;
    expect(await search.flushNow()).toMatchObject({ status: 'flushed' });
    const written = fake.requests.slice(seen).filter((r) => r.method === 'PUT' && r.status < 300);
    expect(new Set(written.map((r) => r.path))).toEqual(
      new Set(['/indexes/images_v1/documents', '/indexes/posts_feed_v1/documents']),
    );
    expect(await searchUp()).toBe('1');
    expect(await status()).toMatchObject({ consecutiveFailures: 0, queued: 0, lastError: null });
  });

  it('reports search-sync in /metrics', async () => {
    const text = await (await fetch(`${host.url}/metrics`)).text();
    expect(text).toMatch(/^eventhost_search_flushes_total [1-9]/m);
    expect(text).toMatch(/^eventhost_search_queued_ids\{queue="metrics",entity_type="Image"\} 0$/m);
  });
});
