// The touch queue and the recompute lease against a real Redis: a member touched again while its entity is
// recomputed stays queued (its score moved up past the pass's cut), and one lease holder at a time, whose
// token alone renews or releases it.
import { RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LeaderLease } from '../src/deployment/leader-lease.js';

const env = inject('stackEnv');
let redis: Redis;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  redis = new Redis(env.REDIS_URL!, { db: 11 });
  await redis.flushdb();
});

afterAll(() => redis?.disconnect());

describe('the touch queue', () => {
  it('hands out what has settled, and keeps a member touched again after the cut', async () => {
    const queue = new RedisTouchQueue(redis, 'q1');
    await queue.add([
      { entityType: 'Post', entityId: 1, metrics: ['likeCount'] },
      { entityType: 'Post', entityId: 2 },
      { entityType: 'Model', entityId: 9, metrics: ['imageCount'] },
    ]);
    expect((await queue.due('Post', 60_000, 10)).members).toEqual([]); // not settled yet
    await sleep(20);
    const due = await queue.due('Post', 10, 10);
    expect(due.members.sort()).toEqual(['1:likeCount', '2']);
    // Post 1 is touched again while the pass recomputes it: its score moves past the cut.
    await sleep(5);
    await queue.add([{ entityType: 'Post', entityId: 1, metrics: ['likeCount'] }]);
    expect(await queue.done('Post', due)).toBe(1);
    expect(await queue.members('Post')).toEqual(['1:likeCount']);
    expect(await queue.pending('Model')).toBe(1);
    expect(queue.key('Post')).toBe('eventbus:touched:q1:Post');
  });

  it('a touch never moves a member back (ZADD GT)', async () => {
    const queue = new RedisTouchQueue(redis, 'q2');
    await queue.add([{ entityType: 'Post', entityId: 1 }]);
    const first = Number(await redis.zscore(queue.key('Post'), '1'));
    await sleep(5);
    await queue.add([{ entityType: 'Post', entityId: 1 }]);
    expect(Number(await redis.zscore(queue.key('Post'), '1'))).toBeGreaterThan(first);
  });
});

describe('the recompute lease', () => {
  it('has one holder; only its token renews or releases it; it passes on after release or expiry', async () => {
    // Renewal in the background is slower than the lease here, so b's lease can expire while "held".
    const lease = () =>
      new LeaderLease(redis, 'eventbus:recompute:leader:t', { ttlMs: 300, renewEveryMs: 60_000 });
    const a = lease();
    const b = lease();
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(await a.acquire()).toBe(true); // renewed
    await b.release(); // not the holder: nothing happens
    expect(await b.acquire()).toBe(false);
    await a.release();
    expect(await b.acquire()).toBe(true);
    await sleep(400); // b stops renewing and its lease expires
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false); // b's renewal finds a's token and takes nothing
    await a.release();
  });
});
