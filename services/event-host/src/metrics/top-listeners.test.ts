import { describe, expect, it } from 'vitest';
import { topListeners, topN } from './top-listeners.js';

describe('topN', () => {
  it('ranks by scores in order, then name, drops all-zero items and counts the rest', () => {
    const items = [
      { name: 'a', s: [1, 5] },
      { name: 'b', s: [3, 0] },
      { name: 'c', s: [1, 9] },
      { name: 'd', s: [0, 0] },
      { name: 'e', s: [0, 2] },
      { name: 'f', s: [1, 5] },
    ];
    const { top, others } = topN(
      items,
      3,
      (i) => i.s,
      (i) => i.name,
    );
    expect(top.map((i) => i.name)).toEqual(['b', 'c', 'a']);
    expect(others).toBe(2); // f and e; d scored nothing
  });
});

describe('topListeners', () => {
  it('keeps the top 5 by throughput and by failures of 44 listeners, and counts the others', () => {
    const listenerPlugins = new Map(Array.from({ length: 44 }, (_, i) => [`l${i}`, `p${i % 4}`] as const));
    const perListener: Record<string, { ok: number; retried: number; failed: number; seconds: number }> = {};
    const perSecond: Record<string, number> = {};
    for (let i = 0; i < 30; i++) {
      perListener[`l${i}`] = {
        ok: 100 + i,
        retried: i % 3,
        failed: i === 7 ? 4 : i === 8 ? 1 : 0,
        seconds: 0,
      };
      if (i < 10) perSecond[`l${i}`] = i;
    }
    const top = topListeners({ listenerPlugins, perListener, perSecond });
    expect(top.byThroughput.map((r) => r.listener)).toEqual(['l9', 'l8', 'l7', 'l6', 'l5']);
    expect(top.byThroughput[0]).toEqual({
      listener: 'l9',
      plugin: 'p1',
      perSecond: 9,
      handled: 109,
      failed: 0,
      retried: 0,
    });
    expect(top.otherActive).toBe(25);
    expect(top.idle).toBe(14);
    // Dead-lettered first, then retried; ties by name.
    expect(top.byFailures.map((r) => r.listener)).toEqual(['l7', 'l8', 'l11', 'l14', 'l17']);
    expect(top.otherFailing).toBe(15); // 20 listeners retried or dead-lettered, 5 shown
  });
});
