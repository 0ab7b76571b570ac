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
