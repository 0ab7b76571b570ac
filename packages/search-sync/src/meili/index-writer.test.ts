import { Meilisearch } from 'meilisearch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeMeilisearch } from '../testing/index.js';
import { IndexWriter } from './index-writer.js';

describe('IndexWriter', () => {
  let fake: FakeMeilisearch;
  let client: Meilisearch;
  beforeEach(async () => {
    fake = await FakeMeilisearch.start({ apiKey: 'k', processingMs: 20 });
    client = new Meilisearch({ host: fake.host, apiKey: 'k' });
    await client
      .index('images')
      .addDocuments([{ id: 1 }, { id: 2 }], { primaryKey: 'id' })
      .waitTask();
  });
  afterEach(() => fake.close());

  it('sees a short task done soon after it ends, not one full poll interval later', async () => {
    // A longest pause of a minute: a writer that slept a fixed interval between polls would still be
    // asleep when the test's 5 s timeout fails it; doubling from 5 ms sees the task ~0.3 s after it ends.
    const writer = new IndexWriter(client, { pollMs: 60_000 });
    // The task waits 300 ms before it runs (20 ms), so the first poll finds it enqueued.
    fake.tasks.pause();
    setTimeout(() => fake.tasks.resume(), 300);
    await writer.updateMetricsJson(
      'images',
      '[{"id":1,"likeCountAllTime":3},{"id":9,"likeCountAllTime":1}]',
      'id',
    );
    expect(fake.documents('images')).toEqual([{ id: 1, likeCountAllTime: 3 }, { id: 2 }]);
  }, 5_000);

  it('gives up after the task timeout with a retriable error', async () => {
    fake.tasks.pause();
    const writer = new IndexWriter(client, { pollMs: 50, taskTimeoutMs: 200 });
    await expect(
      writer.updateMetricsJson('images', '[{"id":1,"likeCountAllTime":3}]', 'id'),
    ).rejects.toMatchObject({
      code: 'SS_MEILISEARCH_UNAVAILABLE',
      retriable: true,
    });
    expect(fake.document('images', 1)).toEqual({ id: 1 });
  });
});
