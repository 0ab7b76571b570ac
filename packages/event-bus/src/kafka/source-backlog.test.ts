import { describe, expect, it } from 'vitest';
import { SourceBacklog } from './source-backlog.js';

describe('SourceBacklog', () => {
  const clock = () => {
    const c = { at: 1_000_000, now: () => c.at };
    return c;
  };

  it('is live from the start, before any partition was behind', () => {
    expect(new SourceBacklog(5_000, clock().now).live).toBe(true);
  });

  it('is not live while a partition is behind, nor for the hold after the last one caught up', () => {
    const c = clock();
    const backlog = new SourceBacklog(5_000, c.now);
    backlog.batch('src:0', true);
    backlog.batch('src:1', true);
    expect(backlog.live).toBe(false);
    c.at += 1_000;
    backlog.batch('src:0', false);
    c.at += 10_000;
    expect(backlog.live).toBe(false); // src:1 still behind, however long ago src:0 caught up
    backlog.batch('src:1', false);
    c.at += 4_999;
    expect(backlog.live).toBe(false); // the backlog's last metric batches are still to come
    c.at += 1;
    expect(backlog.live).toBe(true);
  });

  it('counts a batch at the head of a partition that was never behind as no news', () => {
    const c = clock();
    const backlog = new SourceBacklog(5_000, c.now);
    backlog.batch('src:0', true);
    backlog.batch('src:1', false);
    c.at += 60_000;
    expect(backlog.live).toBe(false);
  });

  it('forgets the partitions a rebalance took away, and holds from then', () => {
    const c = clock();
    const backlog = new SourceBacklog(5_000, c.now);
    backlog.batch('src:0', true);
    backlog.batch('src:1', true);
    backlog.keepOnly(new Set(['src:1', 'src:2']));
    backlog.batch('src:1', false);
    c.at += 5_000;
    expect(backlog.live).toBe(true);
    backlog.batch('src:2', true);
    backlog.keepOnly(new Set(['src:1']));
    c.at += 4_000;
    expect(backlog.live).toBe(false);
    c.at += 1_000;
    expect(backlog.live).toBe(true);
  });
});
