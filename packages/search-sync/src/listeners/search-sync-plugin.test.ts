import { fakeEvent, override, startTestHost } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { type FeedQueue, feedQueueToken } from './feed-queue-token.js';
import { searchSyncPlugin } from './search-sync-plugin.js';

/** A feed queue that keeps what it was given, coalescing like the Redis one. */
class RecordingFeedQueue implements FeedQueue {
  readonly queued = new Map<string, Set<number>>();
  async queueFeed(entityType: string, ids: readonly number[]) {
    const set = this.queued.get(entityType) ?? new Set<number>();
    for (const id of ids) set.add(id);
    this.queued.set(entityType, set);
  }
  take(): Record<string, number[]> {
    const out = Object.fromEntries([...this.queued].map(([t, ids]) => [t, [...ids].sort((a, b) => a - b)]));
    this.queued.clear();
    return out;
  }
}

async function host() {
  const queue = new RecordingFeedQueue();
  const h = await startTestHost({
    plugins: [searchSyncPlugin],
    overrides: [override(feedQueueToken, queue)],
  });
  const send = async (...changes: Parameters<typeof h.send>) => {
    await h.send(...changes);
    return queue.take();
  };
  return { send, host: h };
}

const model = {
  id: 10,
  userId: 1,
  status: 'Published',
  nsfw: false,
  type: 'LORA',
  publishedAt: 1,
  deletedAt: null,
};
const version = { id: 20, modelId: 10, status: 'Draft', baseModel: 'SDXL', index: 0, name: 'v1' };
const post = { id: 30, userId: 1, nsfwLevel: 1, publishedAt: 1, modelVersionId: 20, title: 'x' };
const image = { id: 40, postId: 30, index: 0, nsfwLevel: 1, type: 'image', url: 'u', userId: 1 };

describe('searchSyncPlugin', () => {
  it('loads into a host (the plugin graph validates) and emits no metric events', async () => {
    const { send, host: h } = await host();
    expect(await send(fakeEvent.postgres('Model').created(model))).toEqual({ Model: [10] });
    await h.flush();
    expect(h.store.rows).toEqual([]);
  });

  it('queues models on model create/delete/publish, version and tag changes', async () => {
    const { send } = await host();
    const models = fakeEvent.postgres('Model');
    const versions = fakeEvent.postgres('ModelVersion');
    const tags = fakeEvent.postgres('TagsOnModels');
    expect(await send(models.deleted(model))).toEqual({ Model: [10] });
    expect(await send(models.updated({ ...model, status: 'Draft' }, model))).toEqual({ Model: [10] });
    // A change of a column the feed does not carry queues nothing.
    expect(await send(models.updated(model, { ...model, name: 'renamed', updatedAt: 5 }))).toEqual({});
    expect(await send(versions.created(version))).toEqual({ Model: [10] });
    expect(await send(versions.updated(version, { ...version, status: 'Published' }))).toEqual({
      Model: [10],
    });
    expect(await send(versions.updated(version, { ...version, description: 'd' }))).toEqual({});
    expect(await send(versions.deleted(version))).toEqual({ Model: [10] });
    expect(
      await send(tags.created({ modelId: 10, tagId: 3 }), tags.deleted({ modelId: 11, tagId: 3 })),
    ).toEqual({
      Model: [10, 11],
    });
  });

  it('queues posts on post create/delete/unpublish, tag changes and cover image changes', async () => {
    const { send } = await host();
    const posts = fakeEvent.postgres('Post');
    const tags = fakeEvent.postgres('TagsOnPost');
    const images = fakeEvent.postgres('Image');
    expect(await send(posts.created(post))).toEqual({ Post: [30] });
    expect(await send(posts.updated(post, { ...post, publishedAt: null }))).toEqual({ Post: [30] });
    expect(await send(posts.updated(post, { ...post, title: 'y' }))).toEqual({});
    expect(await send(posts.deleted(post))).toEqual({ Post: [30] });
    expect(await send(tags.created({ postId: 30, tagId: 1, disabled: false }))).toEqual({ Post: [30] });
    expect(
      await send(
        tags.updated({ postId: 30, tagId: 1, disabled: false }, { postId: 30, tagId: 1, disabled: true }),
      ),
    ).toEqual({ Post: [30] });
    expect(
      await send(
        tags.updated(
          { postId: 30, tagId: 1, disabled: false, confidence: 1 },
          { postId: 30, tagId: 1, disabled: false, confidence: 2 },
        ),
      ),
    ).toEqual({});
    expect(await send(images.created(image))).toEqual({ Post: [30] });
    expect(await send(images.updated(image, { ...image, index: 3 }))).toEqual({ Post: [30] });
    // An image moved between posts changes both covers.
    expect(await send(images.updated(image, { ...image, postId: 31 }))).toEqual({ Post: [30, 31] });
    expect(await send(images.updated(image, { ...image, url: 'v' }))).toEqual({});
    expect(await send(images.created({ ...image, id: 41, postId: null }))).toEqual({});
    expect(await send(images.deleted(image))).toEqual({ Post: [30] });
  });

  it('ignores tables it does not watch', async () => {
    const { send } = await host();
    expect(
      await send(
        fakeEvent.postgres('ImageReaction').created({ id: 1, imageId: 40, userId: 1, reaction: 'Like' }),
      ),
    ).toEqual({});
  });
});
