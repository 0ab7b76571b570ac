import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../src/sinks/redis/redis-client.js';
import { SearchQueue } from '../src/sinks/search/search-queue.js';
import { connectRedis, connectStack, REDIS_KINDS, type StackConnections } from './integration-env.js';

let stack: StackConnections;
beforeAll(async () => {
  stack = await connectStack();
});
afterAll(async () => {
  await stack?.close();
});

/** Every member of a sorted set, as numbers, in score order. */
async function members(key: string, redis: RedisClient = stack.redis): Promise<number[]> {
  return (await redis.zrange(key, '0', '-1')).map(Number);
}

describe('SearchQueue on the real Redis', () => {
  it('queues 200k ids under one name exactly (spread into one call, they overflowed the stack)', async () => {
    const queue = new SearchQueue(stack.redis, `${stack.unique('sq')}:`);
    const ids = Array.from({ length: 200_000 }, (_, i) => 5_000_000 + i * 3);
    // Repeats coalesce: the second half queues every id a second time.
    await queue.enqueue('Image', [...ids, ...ids.slice(100_000)]);

    expect(await queue.size('Image')).toBe(200_000);
    expect((await members(queue.keyOf('Image'))).sort((a, b) => a - b)).toEqual(ids);
    await stack.redis.del(queue.keyOf('Image'), queue.keyOf('~seq'));
  });
});

describe.each(REDIS_KINDS)('SearchQueue with its default prefix (%s Redis)', (kind) => {
  let redis: RedisClient;
  beforeAll(() => {
    redis = connectRedis(stack.env, kind);
  });
  afterAll(() => redis?.disconnect());

  it('takes up to the highest score it returned, ties cut included, and acks across its 1,000-id batches', async () => {
    const queue = new SearchQueue(redis);
    const name = `Image-${stack.unique('sqt')}`;
    const key = queue.keyOf(name);
    const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    expect(await queue.take(name, 10)).toEqual({ index: name, ids: [], takenUpTo: 0 });

    // Three enqueues, three scores; a take of 15 cuts the second one's ties in two.
    for (const from of [10, 20, 30]) await queue.enqueue(name, range(from, 10));
    const score = async (id: number) => Number(await redis.zscore(key, String(id)));
    const taken = await queue.take(name, 15);
    expect(taken.ids).toEqual(range(10, 15));
    expect(taken.takenUpTo).toBe(await score(20));
    expect(await score(20)).toBeGreaterThan(await score(10));
    // Queued again after the take: 12 and 21 stay; so do the untaken ids of the tie (25-29).
    await queue.enqueue(name, [12, 21]);
    expect(await queue.ack(taken)).toBe(13);
    const left = [12, 21, ...range(25, 5), ...range(30, 10)];
    expect((await members(key, redis)).sort((a, b) => a - b)).toEqual(left);

    // Fewer ids than asked for: all of them, up to the newest score.
    const rest = await queue.take(name, 100);
    expect(rest.ids.sort((a, b) => a - b)).toEqual(left);
    expect(rest.takenUpTo).toBe(await score(12));
    expect(await queue.ack(rest)).toBe(17);

    // An ack of 2,500 ids in three script batches, with ids queued again on both sides of each boundary.
    await queue.enqueue(name, range(1, 2_500));
    const all = await queue.take(name, 2_500);
    const again = [999, 1_000, 1_001, 2_000, 2_001, 2_500];
    await queue.enqueue(name, again);
    expect(await queue.ack(all)).toBe(2_500 - again.length);
    expect((await members(key, redis)).sort((a, b) => a - b)).toEqual(again);
    await redis.del(key);
  });

  it('queues a 200k-id batch over several names exactly, and ids queued after a take survive its ack', async () => {
    // The default prefix, as the host uses it: its script and MULTI span the counter and several queues,
    // which a Cluster refuses unless they share a slot. Names unique to the run keep runs apart.
    const queue = new SearchQueue(redis);
    const run = stack.unique('sqm');
    const [Image, User, Post] = ['Image', 'User', 'Post'].map((n) => `${n}-${run}`) as [
      string,
      string,
      string,
    ];
    const images = Array.from({ length: 150_000 }, (_, i) => i + 1);
    const users = Array.from({ length: 50_000 }, (_, i) => 900_000 + i);
    const posts = [7, 8, 9];

    // Taken before the big batch, which queues 1 and 7 again: the batch's scores must all be higher.
    await queue.enqueueMany(
      new Map([
        [Image, [1, 2]],
        [Post, [7]],
      ]),
    );
    const takenImages = await queue.take(Image, 10);
    const takenPosts = await queue.take(Post, 10);
    expect(takenImages.ids.sort()).toEqual([1, 2]);

    await queue.enqueueMany(
      new Map<string, number[]>([
        [Image, images],
        [User, users],
        [Post, posts],
      ]),
    );
    expect(await queue.sizes([Image, User, Post])).toEqual({ [Image]: 150_000, [User]: 50_000, [Post]: 3 });
    expect((await members(queue.keyOf(User), redis)).sort((a, b) => a - b)).toEqual(users);
    expect((await members(queue.keyOf(Post), redis)).sort((a, b) => a - b)).toEqual(posts);

    // 1 was queued again after the take: the ack removes nothing. 2 was not: it goes.
    expect(await queue.ack(takenImages)).toBe(0);
    expect(await queue.ack(takenPosts)).toBe(0);
    expect((await members(queue.keyOf(Image), redis)).sort((a, b) => a - b)).toEqual(images);

    // The whole 200k batch drains through take/ack, every id once.
    let drained: number[] = [];
    for (const name of [Image, User]) {
      const taken = await queue.take(name, 250_000);
      expect(await queue.ack(taken)).toBe(taken.ids.length);
      drained = drained.concat(taken.ids);
    }
    expect(drained.sort((a, b) => a - b)).toEqual([...images, ...users]);
    expect(await queue.sizes([Image, User])).toEqual({ [Image]: 0, [User]: 0 });
    // The counter is shared by every user of the prefix, as in production: it stays.
    await redis.del(queue.keyOf(Post));
  });
});
