import { createInstrumentation } from '@engagement/event-bus/runtime';
import { describe, expect, it } from 'vitest';
import { RollupActivity } from './rollup-activity.js';

describe('RollupActivity', () => {
  it("keeps this host's last roll, last committed roll, last compaction and the daily parts", () => {
    const channel = createInstrumentation();
    let now = 1_000;
    const activity = new RollupActivity(channel, true, () => now);
    expect(activity.status).toEqual({
      rolls: true,
      lastCommitAt: null,
      lastRoll: null,
      lastCompaction: null,
      dailyParts: null,
    });
    channel.emit({ type: 'rollup.rolled', outcome: 'committed', seconds: 0.5 });
    channel.emit({ type: 'rollup.compacted', outcome: 'committed', seconds: 3, days: 31 });
    channel.emit({ type: 'rollup.parts', daily: 7 });
    now = 61_000;
    channel.emit({ type: 'rollup.rolled', outcome: 'idle', seconds: 0.01 });
    // Other events pass by.
    channel.emit({ type: 'sink.clickhouse.stored', rows: 5 });
    expect(activity.status).toEqual({
      rolls: true,
      lastCommitAt: 1_000,
      lastRoll: { at: 61_000, outcome: 'idle', seconds: 0.01 },
      lastCompaction: { at: 1_000, outcome: 'committed', seconds: 3, days: 31 },
      dailyParts: 7,
    });
    // The status is a copy: a caller changing it changes nothing here.
    activity.status.lastRoll!.outcome = 'failed';
    expect(activity.status.lastRoll!.outcome).toBe('idle');
    activity.stop();
    channel.emit({ type: 'rollup.parts', daily: 9 });
    expect(activity.status.dailyParts).toBe(7);
  });
});
