import { Meilisearch, MeilisearchApiError, MeilisearchRequestError } from 'meilisearch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeMeilisearch } from './fake-meilisearch.js';

// The fake is only worth something if the official client works against it the way it works against a
// real server, so every test here drives it through `meilisearch` and reads back the fake's state.
describe('FakeMeilisearch, driven by the official client', () => {
  let fake: FakeMeilisearch;
  let client: Meilisearch;

  beforeEach(async () => {
    fake = await FakeMeilisearch.start({ apiKey: 'master-key', processingMs: 20 });
    client = new Meilisearch({ host: fake.host, apiKey: 'master-key' });
  });
  afterEach(() => fake.close());

  it('moves a task enqueued → processing → succeeded and reports it on GET /tasks/:uid', async () => {
    // A task that processes for a second: with 20 ms, a loaded machine could answer the read right after
    // `resume` with the task already succeeded (seen once in a newcomer's run).
    await fake.close();
    fake = await FakeMeilisearch.start({ apiKey: 'master-key', processingMs: 1_000 });
    client = new Meilisearch({ host: fake.host, apiKey: 'master-key' });
    fake.tasks.pause();
    const enqueued = await client.index('models').addDocuments([{ id: 1, name: 'a' }]);
    expect(enqueued).toMatchObject({
      status: 'enqueued',
      type: 'documentAdditionOrUpdate',
      indexUid: 'models',
    });
    expect((await client.tasks.getTask(enqueued.taskUid)).status).toBe('enqueued');
    fake.tasks.resume();
    expect((await client.tasks.getTask(enqueued.taskUid)).status).toBe('processing');
    const done = await client.tasks.waitForTask(enqueued.taskUid, { interval: 5 });
    expect(done).toMatchObject({
      status: 'succeeded',
      details: { receivedDocuments: 1, indexedDocuments: 1 },
      error: null,
    });
    expect(done.duration).toMatch(/^PT\d+\.\d+S$/);
    expect(fake.documents('models')).toEqual([{ id: 1, name: 'a' }]);
  });

  it('merges top-level fields on updateDocuments and replaces documents on addDocuments', async () => {
    const index = client.index('posts');
    await index.addDocuments([{ id: 7, title: 'x', tags: [1, 2], likeCountDay: 1 }]).waitTask();
    await index.updateDocuments([{ id: 7, likeCountDay: 5, likeCountWeek: 9 }]).waitTask();
    expect(fake.document('posts', 7)).toEqual({
      id: 7,
      title: 'x',
      tags: [1, 2],
      likeCountDay: 5,
      likeCountWeek: 9,
    });
    await index.addDocuments([{ id: 7, title: 'y' }]).waitTask();
    expect(fake.document('posts', 7)).toEqual({ id: 7, title: 'y' });
    expect(await index.getDocument(7)).toEqual({ id: 7, title: 'y' });
  });

  it('merges a field named __proto__ as a field, like any other', async () => {
    const index = client.index('posts');
    await index.addDocuments([{ id: 7, title: 'x' }]).waitTask();
    await index.updateDocuments([{ id: 7, ['__proto__']: 3, likeCountDay: 5 }]).waitTask();
    const doc = fake.document('posts', 7)!;
    expect(Object.keys(doc)).toEqual(['id', 'title', '__proto__', 'likeCountDay']);
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(doc, '__proto__')?.value).toBe(3);
  });

  it('skips unknown ids with skipCreation and creates them without it', async () => {
    const index = client.index('images');
    await index.addDocuments([{ id: 1, url: 'u' }], { primaryKey: 'id' }).waitTask();
    const skipped = await index
      .updateDocuments(
        [
          { id: 1, n: 1 },
          { id: 2, n: 2 },
        ],
        { skipCreation: true },
      )
      .waitTask();
    expect(skipped.details).toMatchObject({ receivedDocuments: 2, indexedDocuments: 1 });
    expect(fake.documents('images')).toEqual([{ id: 1, url: 'u', n: 1 }]);
    await index.updateDocuments([{ id: 2, n: 2 }]).waitTask();
    expect(fake.documents('images')).toEqual([
      { id: 1, url: 'u', n: 1 },
      { id: 2, n: 2 },
    ]);
  });

  it('deletes documents by id and counts what it deleted', async () => {
    const index = client.index('models');
    await index.addDocuments([{ id: 1 }, { id: 2 }, { id: 3 }]).waitTask();
    const task = await index.deleteDocuments([1, 3, 99]).waitTask();
    expect(task).toMatchObject({
      type: 'documentDeletion',
      status: 'succeeded',
      details: { providedIds: 3, deletedDocuments: 2 },
    });
    expect(fake.documents('models')).toEqual([{ id: 2 }]);
  });

  it('fails a task whose document lacks the primary key, storing nothing of the batch', async () => {
    const index = client.index('models');
    await client.createIndex('models', { primaryKey: 'id' }).waitTask();
    const task = await index.addDocuments([{ id: 1 }, { name: 'no id' }]).waitTask();
    expect(task.status).toBe('failed');
    expect(task.error).toEqual({
      message: 'Document doesn\'t have a `id` attribute: `{"name":"no id"}`.',
      code: 'missing_document_id',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#missing_document_id',
    });
    expect(fake.documents('models')).toEqual([]);
    const again = await client.createIndex('models', { primaryKey: 'id' }).waitTask();
    expect(again.error?.code).toBe('index_already_exists');
  });

  it('infers the primary key, and rejects invalid ids', async () => {
    await client
      .index('a')
      .addDocuments([{ modelId: 3, x: 1 }])
      .waitTask();
    expect((await client.index('a').getRawInfo()).primaryKey).toBe('modelId');
    const bad = await client
      .index('b')
      .addDocuments([{ id: 'not valid!' }])
      .waitTask();
    expect(bad.error?.code).toBe('invalid_document_id');
    const two = await client
      .index('c')
      .addDocuments([{ id: 1, userId: 2 }])
      .waitTask();
    expect(two.error?.code).toBe('index_primary_key_multiple_candidates_found');
  });

  it('stores filterable and sortable settings and filters fetched documents with them', async () => {
    const index = client.index('feed');
    const task = await index
      .updateSettings({
        filterableAttributes: ['nsfwLevel', 'tagIds'],
        sortableAttributes: ['likeCountWeek'],
      })
      .waitTask();
    expect(task).toMatchObject({ type: 'settingsUpdate', status: 'succeeded' });
    const settings = await index.getSettings();
    expect(settings.filterableAttributes).toEqual(['nsfwLevel', 'tagIds']);
    expect(settings.sortableAttributes).toEqual(['likeCountWeek']);
    expect(await index.getSortableAttributes()).toEqual(['likeCountWeek']);
    await index
      .addDocuments([
        { id: 1, nsfwLevel: 1, tagIds: [5, 6] },
        { id: 2, nsfwLevel: 4, tagIds: [6] },
        { id: 3, nsfwLevel: 1, tagIds: [] },
      ])
      .waitTask();
    const got = await index.getDocuments({ filter: 'nsfwLevel = 1 AND tagIds IN [5, 7]' });
    expect(got.results.map((d) => d.id)).toEqual([1]);
    const err = await index.getDocuments({ filter: 'userId = 1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeilisearchApiError);
    expect((err as MeilisearchApiError).cause).toMatchObject({
      code: 'invalid_document_filter',
      type: 'invalid_request',
    });
  });

  it('rejects unknown settings fields with a 400 in Meilisearch’s error format', async () => {
    const err = await client
      .index('feed')
      .updateSettings({ filterable: ['x'] } as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeilisearchApiError);
    expect((err as MeilisearchApiError).response.status).toBe(400);
    expect((err as MeilisearchApiError).cause).toMatchObject({
      code: 'bad_request',
      type: 'invalid_request',
    });
  });

  it('checks the API key: missing header → 401, wrong key → 403', async () => {
    const anonymous = new Meilisearch({ host: fake.host });
    const missing = (await anonymous
      .index('x')
      .getSettings()
      .catch((e: unknown) => e)) as MeilisearchApiError;
    expect(missing.response.status).toBe(401);
    expect(missing.cause).toEqual({
      message: 'The Authorization header is missing. It must use the bearer authorization method.',
      code: 'missing_authorization_header',
      type: 'auth',
      link: 'https://docs.meilisearch.com/errors#missing_authorization_header',
    });
    const wrong = new Meilisearch({ host: fake.host, apiKey: 'nope' });
    const invalid = (await wrong
      .index('x')
      .addDocuments([{ id: 1 }])
      .catch((e: unknown) => e)) as MeilisearchApiError;
    expect(invalid.response.status).toBe(403);
    expect(invalid.cause?.code).toBe('invalid_api_key');
    expect(fake.indexes.has('x')).toBe(false);
    expect(await anonymous.health()).toEqual({ status: 'available' });
  });

  it('answers 404 index_not_found, document_not_found and task_not_found', async () => {
    const codeOf = async (p: Promise<unknown>) =>
      ((await p.catch((e: unknown) => e)) as MeilisearchApiError).cause?.code;
    expect(await codeOf(client.index('none').getSettings())).toBe('index_not_found');
    await client
      .index('some')
      .addDocuments([{ id: 1 }])
      .waitTask();
    expect(await codeOf(client.index('some').getDocument(2))).toBe('document_not_found');
    expect(await codeOf(client.tasks.getTask(999))).toBe('task_not_found');
    const deleted = await client.index('none').deleteDocuments([1]).waitTask();
    expect(deleted.error?.code).toBe('index_not_found');
  });

  it('fails injected tasks and drops connections during an outage', async () => {
    fake.tasks.failNext(1);
    const failed = await client
      .index('m')
      .addDocuments([{ id: 1 }])
      .waitTask();
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'internal', type: 'internal' } });
    expect(fake.documents('m')).toEqual([]);
    fake.outage(true);
    const down = await client
      .index('m')
      .addDocuments([{ id: 1 }])
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(MeilisearchRequestError);
    fake.outage(false);
    await client
      .index('m')
      .addDocuments([{ id: 1 }])
      .waitTask();
    expect(fake.documents('m')).toEqual([{ id: 1 }]);
  });

  it('processes tasks one at a time, in enqueue order', async () => {
    const index = client.index('order');
    const a = await index.addDocuments([{ id: 1, v: 'a' }]);
    const b = await index.updateDocuments([{ id: 1, v: 'b' }]);
    const c = await index.deleteDocuments([1]);
    const tasks = await client.tasks.waitForTasks([a, b, c], { interval: 5 });
    expect(tasks.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(Date.parse(tasks[1]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(tasks[0]!.finishedAt!));
    expect(fake.documents('order')).toEqual([]);
    expect(fake.count('PUT', /^\/indexes\/order\/documents$/)).toBe(1);
  });
});
