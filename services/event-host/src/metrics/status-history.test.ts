import { emptyStats } from '@engagement/event-bus/kafka';
import { describe, expect, it } from 'vitest';
import { StatusHistory } from './status-history.js';

describe('StatusHistory', () => {
  it('turns running totals into per-second rates per listener, and keeps a bounded window', () => {
    const h = new StatusHistory(3, 10);
    const s = emptyStats();
    h.record(s, 0, 0, 1_000);
    s.consumed = 50;
    s.perListener['image.reactions'] = { ok: 40, retried: 0, failed: 0, seconds: 0 };
    s.deadLetters = 2;
    const second = h.record(s, 7, 12, 3_000);
    expect(second).toEqual({
      t: 3_000,
      consumedPerSecond: 25,
      handledPerSecond: { 'image.reactions': 20 },
      lag: 7,
      deadLetters: 2,
      bufferedRows: 12,
    });
    h.record(s, 0, 0, 4_000);
    h.record(s, 0, 0, 5_000);
    expect(h.all.map((x) => x.t)).toEqual([3_000, 4_000, 5_000]);
    // Over the 10 s window: 40 changes in the 4 s since the first sample.
    expect(h.latest?.handledPerSecond['image.reactions']).toBe(10);
    expect(h.latest?.consumedPerSecond).toBe(12.5);
  });

  it('computes every rate over the window (changesPerSecond), and leaves idle listeners out', () => {
    const h = new StatusHistory(600, 2);
    const s = emptyStats();
    s.perListener.idle = { ok: 5, retried: 0, failed: 0, seconds: 0 };
    for (let t = 0; t <= 5; t++) {
      s.consumed = t * 10 + (t === 5 ? 30 : 0); // a burst in the last second
      h.record(s, 0, 0, t * 1_000);
    }
    expect(h.latest?.consumedPerSecond).toBe(25); // (80 - 30) / 2 s, not the last second's 40
    expect(h.latest?.handledPerSecond).toEqual({});
  });
});
