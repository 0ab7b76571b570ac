import { describe, expect, it } from 'vitest';
import { lagByTopic } from './lag-by-topic.js';

describe('lagByTopic', () => {
  it('folds partitions into one row per topic, highest total lag first, and lists the worst few', () => {
    const lag = [
      ...Array.from({ length: 40 }, (_, partition) => ({ topic: 'app.public.Comment', partition, lag: 0 })),
      { topic: 'app.public.ImageReaction', partition: 0, lag: 5 },
      { topic: 'app.public.ImageReaction', partition: 1, lag: 70 },
      { topic: 'app.public.ImageReaction', partition: 2, lag: 0 },
      { topic: 'app.public.Tip', partition: 0, lag: 9 },
      { topic: 'app.public.Tip', partition: 1, lag: 9 },
    ];
    const folded = lagByTopic(lag, 3);
    expect(folded.partitions).toBe(45);
    expect(folded.total).toBe(93);
    expect(folded.topics).toEqual([
      { topic: 'app.public.ImageReaction', partitions: 3, total: 75, max: 70 },
      { topic: 'app.public.Tip', partitions: 2, total: 18, max: 9 },
      { topic: 'app.public.Comment', partitions: 40, total: 0, max: 0 },
    ]);
    expect(folded.worst).toEqual([
      { topic: 'app.public.ImageReaction', partition: 1, lag: 70 },
      { topic: 'app.public.Tip', partition: 0, lag: 9 },
      { topic: 'app.public.Tip', partition: 1, lag: 9 },
    ]);
  });

  it('lists no partition when none lags', () => {
    expect(lagByTopic([{ topic: 'a', partition: 0, lag: 0 }]).worst).toEqual([]);
    expect(lagByTopic([])).toEqual({ partitions: 0, total: 0, topics: [], worst: [] });
  });

  it('says unknown (null), not a partial sum, while a partition has no known lag', () => {
    const folded = lagByTopic([
      { topic: 'a', partition: 0, lag: 4 },
      { topic: 'a', partition: 1, lag: null },
      { topic: 'b', partition: 0, lag: 2 },
    ]);
    expect(folded.total).toBeNull();
    expect(folded.topics).toEqual([
      { topic: 'a', partitions: 2, total: null, max: null },
      { topic: 'b', partitions: 1, total: 2, max: 2 },
    ]);
    expect(folded.worst).toEqual([
      { topic: 'a', partition: 0, lag: 4 },
      { topic: 'b', partition: 0, lag: 2 },
    ]);
  });
});
