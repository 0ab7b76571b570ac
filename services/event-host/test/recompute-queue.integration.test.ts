// The touch queue and the recompute lease against a real Redis: a member touched again while its entity is
// recomputed stays queued (its score moved up past the pass's cut), one touched again and again is still
// handed out after its max wait, and one lease holder at a time, whose token alone renews or releases it.
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

  it('hands out a member touched more often than it settles once it has waited maxWait, and keeps it queued', async () => {
    // A busy post: a removal of one of its reactions touches it every 20 ms, and it would never settle for
    // a second (found by reconcile on `npm start`'s sample traffic: the newest posts stayed queued for minutes
    // while their removed reactions still counted).
    const queue = new RedisTouchQueue(redis, 'q3');
    const busy = { entityType: 'Post', entityId: 7, metrics: ['likeCount'] };
    const touchFor = async (ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) await queue.add([busy]);
    };
    await queue.add([{ entityType: 'Post', entityId: 8 }]); // touched once: settles
    await touchFor(1_400);
    expect((await queue.due('Post', 1_000, 10)).members).toEqual(['8']); // without a max wait, 7 starves
    const due = await queue.due('Post', 1_000, 10, 1_200);
    expect(due.members).toEqual(['8', '7:likeCount']);
    await queue.add([busy]); // touched during the pass
    expect(await queue.done('Post', due)).toBe(1);
    expect(await queue.members('Post')).toEqual(['7:likeCount']);
    // Its wait starts again at the pass: not due again until another maxWait of touches.
    expect((await queue.due('Post', 1_000, 10, 1_200)).members).toEqual([]);
    await touchFor(1_400);
    expect((await queue.due('Post', 1_000, 10, 1_200)).members).toEqual(['7:likeCount']);
    // Once touches stop it settles; removing it leaves neither key behind.
    await sleep(1_050);
    expect(await queue.done('Post', await queue.due('Post', 1_000, 10, 1_200))).toBe(1);
    expect(await redis.exists(queue.key('Post'), queue.firstTouchKey('Post'))).toBe(0);
    expect(queue.firstTouchKey('Post')).toBe('{eventbus:touched:q3:Post}:first');
    expect(new RedisTouchQueue(redis, '{s1}').firstTouchKey('Post')).toBe('eventbus:touched:{s1}:Post:first');
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
