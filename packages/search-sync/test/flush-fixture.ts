// The metrics-flush tests' world: the stack's Redis and a private chDB (env.ts), the Meilisearch fake, and per
// test two index uids and a base for entity ids of its own (the embedded ClickHouse is shared by the file).
import { Meilisearch } from 'meilisearch';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createSearchSync, type SearchIndexConfig, type SearchSyncOptions } from '../src/index.js';
import { FakeMeilisearch } from '../src/testing/index.js';
import { openTestEnv, type TestEnv } from './env.js';

export const DAY = 86_400_000;
/** The clock of every sync these tests build (unless a test moves its own). */
export const NOW = new Date('2026-03-01T12:00:00.000Z');
export const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

/** A document as the app's indexer wrote it, before any metric field. */
export interface SeededDocument {
  id: number;
  url: string;
  nsfwLevel: number;
  tags: string[];
}

/** What a flush test works with; set by the hooks, so read it inside a test. */
export interface FlushFixture {
  env: TestEnv;
  fake: FakeMeilisearch;
  /** The Image and Post index uids of the current test (a test may set others before `newSync`). */
  images: string;
  posts: string;
  /** Entity ids of the current test start above it. */
  entityBase: number;
  /** A search-sync on the two indexes, its clock at `NOW`; `options` replace the defaults. */
  newSync(options?: Partial<SearchSyncOptions>): ReturnType<typeof createSearchSync>;
  /** Documents as the app's own indexer wrote them: non-metric fields search-sync must never touch. */
  seedDocuments(uid: string, ids: number[]): Promise<SeededDocument[]>;
}

/** Registers the file's hooks (env and fake once, uids and ids per test) and returns what they set. */
export function flushFixture(): FlushFixture {
  let meili: Meilisearch;
  const indexes = (): SearchIndexConfig[] => [
    {
      uid: f.images,
      entityType: 'Image',
      metricTypes: ['likeCount', 'heartCount', 'ratingSum', 'ratingCount'],
    },
    { uid: f.posts, entityType: 'Post', metricTypes: ['likeCount'] },
  ];
  const f = {
    newSync: (options?: Partial<SearchSyncOptions>) =>
      createSearchSync({
        redis: f.env.redis,
        clickhouse: f.env.clickhouse,
        meilisearch: { host: f.fake.host, apiKey: 'key' },
        indexes: indexes(),
        keyPrefix: `${f.env.unique('ss')}:`,
        now: () => NOW,
        taskPollMs: 5,
        ...options,
      }),
    async seedDocuments(uid: string, ids: number[]) {
      const docs = ids.map((id) => ({
        id,
        url: `https://img/${id}.png`,
        nsfwLevel: id % 3,
        tags: ['a', `t${id}`],
      }));
      await meili.index(uid).addDocuments(docs, { primaryKey: 'id' }).waitTask();
      return docs;
    },
  } as FlushFixture;

  beforeAll(async () => {
    f.env = await openTestEnv();
    f.fake = await FakeMeilisearch.start({ apiKey: 'key', processingMs: 2 });
    meili = new Meilisearch({ host: f.fake.host, apiKey: 'key' });
  });
  afterAll(async () => {
    await f.fake.close();
    await f.env.close();
  });
  beforeEach(() => {
    f.images = f.env.unique(`images${Math.random().toString(36).slice(2, 6)}`);
    f.posts = f.env.unique(`posts${Math.random().toString(36).slice(2, 6)}`);
    f.entityBase = Math.floor(Math.random() * 1e9) * 1000;
  });
  return f;
}
