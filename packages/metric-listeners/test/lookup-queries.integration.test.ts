// Queries per 1,000 events of the Prisma-backed lookups, counted at the Prisma client on the stack's real
// Postgres: realistic traffic (every table, skewed popularity, new images arriving with their own change)
// over parent rows inserted for this run, through every plugin of the package on a test host, 500 changes
// per batch (the runtime runs every listener's `prefetch` once per batch, then dispatches).
//   A: the lookups plugin's own services, built from the host-provided Prisma client.
//   B: the same lookups given as overrides, so each one's query count can be read.
// Each query reads the live table and the deleted-row archive (one round trip). Mutable relations (an
// image's post, a collection's mode) are read again for every batch that needs them; immutable ones are
// cached. Both runs must produce the same metrics and the same queries.
// Run: STACK_KEEP=1 npx vitest run packages/metric-listeners/test/lookup-queries
import { type AppDb, createAppDb } from '@engagement/app-db';
import { override, startTestHost } from '@engagement/event-bus/testing';
import { appDbToken, type ChangeEvent } from '@engagement/plugin-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appDecoder } from '../src/__fixtures__/clickhouse-rows.js';
import { realisticTraffic } from '../src/__fixtures__/realistic-traffic.js';
import { asOverrides, type LookupsByToken } from '../src/__fixtures__/traffic-lookups.js';
import type { TrafficWorld } from '../src/__fixtures__/traffic-world.js';
import { plugins } from '../src/index.js';
import type { BatchLookup } from '../src/lookups/batch-lookup.js';
import {
  collectionLookupToken,
  imageLookupToken,
  modelLookupToken,
  modelVersionLookupToken,
  threadLookupToken,
} from '../src/lookups/lookup-tokens.js';
import { prismaLookups } from '../src/lookups/prisma-lookups.js';
import type { ThreadRelations } from '../src/lookups/relations.js';

const CHANGES = 10_000;
const BATCH = 500;
const env = inject('stackEnv');
const run = `lq${Date.now().toString(36)}`;
let db: pg.Client;
let appDb: AppDb;
let world: TrafficWorld;

/** A Prisma client that counts every query it sends (one per model operation). */
function countingDb(): { client: AppDb; queries: () => number } {
  let n = 0;
  const client = appDb.$extends({
    query: {
      $allOperations({ args, query }) {
        n++;
        return query(args);
      },
    },
  }) as unknown as AppDb;
  return { client, queries: () => n };
}

/** Inserts `count` rows with `values(i)` and returns their ids in order. */
async function insert(table: string, columns: string[], count: number, values: (i: number) => unknown[]) {
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (let i = 0; i < count; i++) {
    const row = values(i);
    tuples.push(`(${row.map((v) => `$${params.push(v)}`).join(', ')})`);
  }
  const cols = columns.map((c) => `"${c}"`).join(', ');
  const sql = `INSERT INTO "${table}" (${cols}) VALUES ${tuples.join(', ')} RETURNING id`;
  return (await db.query<{ id: number }>(sql, params)).rows.map((r) => r.id);
}

/**
 * Inserts the images a batch creates (the traffic's new images have ids from 1e9), as the app did before
 * Debezium saw them: an image's change is only ever consumed once its row is in Postgres.
 */
async function insertNewImages(batch: readonly { event: ChangeEvent }[]): Promise<void> {
  const rows = batch
    .filter((c) => c.event.table === 'Image' && c.event.op === 'create')
    .map((c) => c.event.after!);
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO "Image"(id, "userId", "postId") SELECT * FROM unnest($1::int[], $2::int[], $3::int[])
     ON CONFLICT (id) DO UPDATE SET "userId" = EXCLUDED."userId", "postId" = EXCLUDED."postId"`,
    [rows.map((r) => r.id), rows.map((r) => r.userId), rows.map((r) => r.postId)],
  );
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: env.POSTGRES_URL });
  await db.connect();
  appDb = createAppDb({ url: env.POSTGRES_URL! });
  const users = await insert('User', ['username'], 300, (i) => [`${run}-u${i}`]);
  const models = await insert('Model', ['name', 'userId'], 60, (i) => [`${run}-m${i}`, users[(i * 7) % 300]]);
  const versions = await insert('ModelVersion', ['name', 'modelId'], 180, (i) => [`v${i}`, models[i % 60]]);
  const posts = await insert('Post', ['userId'], 300, (i) => [users[i % 300]]);
  const images = await insert('Image', ['userId', 'postId'], 1_500, (i) => [
    users[i % 300],
    i % 10 === 0 ? null : posts[i % 300],
  ]);
  const imageThreads = await insert('Thread', ['imageId'], 400, (i) => [images[i]]);
  const postThreads = await insert('Thread', ['postId'], 200, (i) => [posts[i]]);
  const collections = await insert('Collection', ['name', 'userId', 'mode'], 150, (i) => [
    `${run}-c${i}`,
    users[i % 300],
    i % 4 === 0 ? 'Bookmark' : null,
  ]);
  const none = { imageId: null, postId: null, articleId: null, bountyId: null };
  world = {
    users,
    posts,
    images: new Map(
      images.map((id, i) => [id, { postId: i % 10 === 0 ? null : posts[i % 300]!, userId: users[i % 300]! }]),
    ),
    models: new Map(models.map((id, i) => [id, { userId: users[(i * 7) % 300]! }])),
    versions: new Map(versions.map((id, i) => [id, { modelId: models[i % 60]! }])),
    threads: new Map<number, ThreadRelations>([
      ...imageThreads.map((id, i) => [id, { ...none, imageId: images[i]! }] as const),
      ...postThreads.map((id, i) => [id, { ...none, postId: posts[i]! }] as const),
    ]),
    collections: new Map(collections.map((id, i) => [id, { mode: i % 4 === 0 ? 'Bookmark' : null }])),
    // Metrics of these are counted without lookups; their ids need no rows.
    tags: Array.from({ length: 100 }, (_, i) => 1 + i),
    articles: Array.from({ length: 100 }, (_, i) => 1 + i),
    bounties: Array.from({ length: 40 }, (_, i) => 1 + i),
    entries: Array.from({ length: 100 }, (_, i) => 1 + i),
  };
});

afterAll(async () => {
  await appDb?.$disconnect();
  await db?.end();
});

describe('lookup queries per 1,000 events (real Postgres, Prisma)', () => {
  it('at most one query per lookup and batch, none per event; the same metrics either way', async () => {
    const traffic = realisticTraffic(world, CHANGES, 11);
    const batches = Math.ceil(CHANGES / BATCH);

    // A: the lookups plugin's own Prisma services, built from the host-provided client.
    const a = countingDb();
    const hostA = await startTestHost({
      plugins,
      overrides: [override(appDbToken(), a.client)],
      decoder: appDecoder,
    });
    for (let i = 0; i < traffic.length; i += BATCH) {
      const batch = traffic.slice(i, i + BATCH);
      await insertNewImages(batch);
      await hostA.send(...batch);
    }
    await hostA.flush();

    // B: the same services as overrides, whose counters say which lookup sent what.
    const b = countingDb();
    const lookups = {
      [imageLookupToken.id]: prismaLookups.image(b.client),
      [modelVersionLookupToken.id]: prismaLookups.modelVersion(b.client),
      [modelLookupToken.id]: prismaLookups.model(b.client),
      [threadLookupToken.id]: prismaLookups.thread(b.client),
      [collectionLookupToken.id]: prismaLookups.collection(b.client),
    } as LookupsByToken;
    const hostB = await startTestHost({
      plugins,
      overrides: asOverrides(lookups).overrides,
      decoder: appDecoder,
    });
    for (let i = 0; i < traffic.length; i += BATCH) await hostB.send(...traffic.slice(i, i + BATCH));
    await hostB.flush();

    const perLookup = Object.fromEntries(
      Object.values(lookups).map((l) => [(l as BatchLookup<unknown>).name, l.stats.queries]),
    );
    const figures = {
      changes: CHANGES,
      metricEvents: hostA.published.length,
      batch: BATCH,
      batches,
      queries: a.queries(),
      queriesPer1000: Number(((a.queries() / CHANGES) * 1000).toFixed(1)),
      perLookup,
    };
    console.log(`lookup queries: ${JSON.stringify(figures)}`);

    expect(hostA.deadLetters.letters).toEqual([]);
    expect(hostB.deadLetters.letters).toEqual([]);
    expect(hostB.store.totals()).toEqual(hostA.store.totals());
    // Prisma sent exactly the loads the lookups counted: one query each, never one per event.
    expect(b.queries()).toBe(Object.values(lookups).reduce((s, l) => s + l.stats.queries, 0));
    // Mutable relations: one query per batch; immutable ones: cached, so fewer.
    expect(perLookup.image).toBeLessThanOrEqual(batches);
    expect(perLookup.collection).toBeLessThanOrEqual(batches);
    for (const queries of [a.queries(), b.queries()]) expect(queries).toBeLessThanOrEqual(5 * batches);
  });
});
