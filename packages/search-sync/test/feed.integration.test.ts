import { fakeEvent, override, startTestHost, type TestHost } from '@engagement/event-bus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSearchSync,
  feedQueueToken,
  MODEL_METRIC_TYPES,
  modelFeed,
  POST_METRIC_TYPES,
  postFeed,
  type SearchSyncService,
  searchSyncPlugin,
} from '../src/index.js';
import { FakeMeilisearch } from '../src/testing/index.js';
import { openTestEnv, storeEvents, type TestEnv } from './env.js';

type Row = Record<string, unknown>;

// Feed documents are read from the real Postgres of the stack (the app schema of infra/postgres/migrations);
// the changes that queue them go through the plugin in a test host, as Debezium would deliver them.
describe('feed indexes for models and posts (real Postgres, Redis, chDB; Meilisearch fake)', () => {
  let env: TestEnv;
  let fake: FakeMeilisearch;
  let sync: SearchSyncService;
  let host: TestHost;
  let models: string;
  let posts: string;
  const row = async (sql: string, values: unknown[]): Promise<Row> =>
    (await env.pg.query(sql, values)).rows[0] as Row;
  const send = async (table: string, op: 'created' | 'deleted', r: Row) => {
    await host.send(fakeEvent.postgres(table)[op](json(r)));
  };
  const update = async (table: string, before: Row, after: Row) => {
    await host.send(fakeEvent.postgres(table).updated(json(before), json(after)));
  };

  beforeAll(async () => {
    env = await openTestEnv();
    fake = await FakeMeilisearch.start({ apiKey: 'key', processingMs: 2 });
    models = env.unique('models_feed');
    posts = env.unique('posts_feed');
    sync = createSearchSync({
      redis: env.redis,
      clickhouse: env.clickhouse,
      postgres: env.pg,
      meilisearch: { host: fake.host, apiKey: 'key' },
      indexes: [
        { uid: models, entityType: 'Model', feed: modelFeed, metricTypes: MODEL_METRIC_TYPES },
        { uid: posts, entityType: 'Post', feed: postFeed, metricTypes: POST_METRIC_TYPES },
      ],
      keyPrefix: `${env.unique('ss')}:`,
      schedule: '0 0 1 1 *',
      threshold: 0,
      taskPollMs: 5,
      // One id per chunk: the flushes below of two ids each split their feed upserts and deletes in two.
      chunkSize: 1,
    });
    await sync.start();
    host = await startTestHost({
      plugins: [searchSyncPlugin],
      overrides: [override(feedQueueToken, sync.queues)],
    });
  });
  afterAll(async () => {
    await sync.stop();
    await fake.close();
    await env.close();
  });

  it('applies filterable and sortable settings (metric fields included) at start', () => {
    const settings = fake.indexes.get(models)!.settings;
    expect(fake.indexes.get(models)!.primaryKey).toBe('id');
    expect(settings.filterableAttributes).toEqual([...modelFeed.filterableAttributes].sort());
    expect(settings.sortableAttributes).toEqual(
      expect.arrayContaining(['publishedAt', 'downloadCountWeek', 'ratingAllTime', 'thumbsUpCountDay']),
    );
    expect(fake.indexes.get(posts)!.settings.sortableAttributes).toContain('likeCountMonth');
  });

  it('keeps model and post feed documents current through create, tag, cover, metric, unpublish and delete', async () => {
    const tag = (n: string) => row(`INSERT INTO "Tag"("name") VALUES ($1) RETURNING *`, [env.unique(n)]);
    const user = await row(`INSERT INTO "User"("username") VALUES ($1) RETURNING *`, [
      env.unique('feeduser'),
    ]);
    const [t1, t2] = [await tag('t1'), await tag('t2')];
    const model = await row(
      `INSERT INTO "Model"("name","type","status","userId","publishedAt") VALUES ('m','LORA','Published',$1,now()) RETURNING *`,
      [user.id],
    );
    const v1 = await row(
      `INSERT INTO "ModelVersion"("modelId","name","baseModel","status") VALUES ($1,'v1','SDXL 1.0','Published') RETURNING *`,
      [model.id],
    );
    const v2 = await row(
      `INSERT INTO "ModelVersion"("modelId","name","baseModel","status","index") VALUES ($1,'v2','Flux.1 D','Draft',1) RETURNING *`,
      [model.id],
    );
    const tom1 = await row(`INSERT INTO "TagsOnModels"("modelId","tagId") VALUES ($1,$2) RETURNING *`, [
      model.id,
      t1.id,
    ]);
    await row(`INSERT INTO "TagsOnModels"("modelId","tagId") VALUES ($1,$2) RETURNING *`, [model.id, t2.id]);
    const post = await row(
      `INSERT INTO "Post"("userId","nsfwLevel","modelVersionId","publishedAt") VALUES ($1,2,$2,now()) RETURNING *`,
      [user.id, v1.id],
    );
    const img1 = await row(
      `INSERT INTO "Image"("userId","postId","index","nsfwLevel") VALUES ($1,$2,1,4) RETURNING *`,
      [user.id, post.id],
    );
    const img0 = await row(
      `INSERT INTO "Image"("userId","postId","index","nsfwLevel","type") VALUES ($1,$2,0,1,'video') RETURNING *`,
      [user.id, post.id],
    );
    await row(`INSERT INTO "TagsOnPost"("postId","tagId") VALUES ($1,$2) RETURNING *`, [post.id, t1.id]);
    await row(`INSERT INTO "TagsOnPost"("postId","tagId","disabled") VALUES ($1,$2,true) RETURNING *`, [
      post.id,
      t2.id,
    ]);
    const [modelId, postId] = [Number(model.id), Number(post.id)];
    await storeEvents(env.clickhouse, [
      {
        entityType: 'Model',
        entityId: modelId,
        metricType: 'downloadCount',
        metricValue: 1,
        createdAt: new Date(),
      },
      {
        entityType: 'Post',
        entityId: postId,
        metricType: 'likeCount',
        metricValue: 1,
        createdAt: new Date(),
      },
    ]);
    // The source changes, as the plugin receives them.
    await send('Model', 'created', model);
    await send('ModelVersion', 'created', v1);
    await send('ModelVersion', 'created', v2);
    await send('TagsOnModels', 'created', tom1);
    await send('Post', 'created', post);
    await send('Image', 'created', img1);
    await send('Image', 'created', img0);
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', feedIds: 2 });

    const modelDoc = fake.document(models, modelId)!;
    expect(modelDoc).toMatchObject({
      id: modelId,
      userId: user.id,
      type: 'LORA',
      nsfw: false,
      tagIds: [t1.id, t2.id].sort((a, b) => Number(a) - Number(b)),
      versionIds: [v1.id],
      baseModels: ['SDXL 1.0'],
      publishedAt: utcMs(model.publishedAt),
      createdAt: utcMs(model.createdAt),
      downloadCountAllTime: 1,
      downloadCountDay: 1,
      ratingAllTime: 0,
    });
    // No text beyond the raw filter fields: ids, numbers, enums and flags only.
    expect(modelDoc.name).toBeUndefined();
    const postDoc = fake.document(posts, postId)!;
    expect(postDoc).toMatchObject({
      id: postId,
      userId: user.id,
      modelVersionId: v1.id,
      nsfwLevel: 2,
      tagIds: [t1.id],
      coverImageId: img0.id,
      coverNsfwLevel: 1,
      coverType: 'video',
      imageCount: 2,
      likeCountAllTime: 1,
    });

    // Version published → base models; a tag removed → tag ids; cover image moved → cover.
    const v2p = { ...v2, status: 'Published' };
    await env.pg.query(`UPDATE "ModelVersion" SET "status"='Published' WHERE "id"=$1`, [v2.id]);
    await update('ModelVersion', v2, v2p);
    await env.pg.query(`DELETE FROM "TagsOnModels" WHERE "modelId"=$1 AND "tagId"=$2`, [model.id, t1.id]);
    await send('TagsOnModels', 'deleted', tom1);
    await env.pg.query(`UPDATE "Image" SET "index"=5 WHERE "id"=$1`, [img0.id]);
    await update('Image', img0, { ...img0, index: 5 });
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', feedIds: 2 });
    expect(fake.document(models, modelId)).toMatchObject({
      tagIds: [t2.id],
      versionIds: [v1.id, v2.id],
      baseModels: ['Flux.1 D', 'SDXL 1.0'],
      downloadCountAllTime: 1,
    });
    expect(fake.document(posts, postId)).toMatchObject({
      coverImageId: img1.id,
      coverNsfwLevel: 4,
      likeCountAllTime: 1,
    });

    // A metric change afterwards moves metric fields only.
    const beforeMetrics = fake.document(posts, postId)!;
    await storeEvents(env.clickhouse, [
      {
        entityType: 'Post',
        entityId: postId,
        metricType: 'likeCount',
        metricValue: 1,
        createdAt: new Date(),
      },
    ]);
    await sync.queues.queueMetrics('Post', [postId]);
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', metricIds: 1, feedIds: 0 });
    expect(fake.document(posts, postId)).toEqual({
      ...beforeMetrics,
      likeCountAllTime: 2,
      likeCountDay: 2,
      likeCountWeek: 2,
      likeCountMonth: 2,
      likeCountYear: 2,
    });

    // Unpublished post and deleted model leave their feeds; later metric updates do not bring them back.
    await env.pg.query(`UPDATE "Post" SET "publishedAt"=NULL WHERE "id"=$1`, [post.id]);
    await update('Post', post, { ...post, publishedAt: null });
    await env.pg.query(`UPDATE "Model" SET "status"='Deleted', "deletedAt"=now() WHERE "id"=$1`, [model.id]);
    await update('Model', model, { ...model, status: 'Deleted', deletedAt: new Date() });
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', feedIds: 2 });
    expect(fake.document(posts, postId)).toBeUndefined();
    expect(fake.document(models, modelId)).toBeUndefined();
    await sync.queues.queueMetrics('Post', [postId]);
    await sync.queues.queueMetrics('Model', [modelId]);
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', metricIds: 2 });
    expect(fake.document(posts, postId)).toBeUndefined();
    expect(fake.document(models, modelId)).toBeUndefined();
  });
});

/** A row as Debezium sends it: JSON values (timestamps as epoch ms). */
function json(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.getTime() : v]));
}

/** Epoch ms of a `timestamp(3)` value (stored as UTC); node-postgres reads such values as local time. */
function utcMs(value: unknown): number {
  const d = value as Date;
  return d.getTime() - d.getTimezoneOffset() * 60_000;
}
