import type { ConsumerState } from '@engagement/event-bus/kafka';
import { describe, expect, it } from 'vitest';
import { PartitionLagTracker } from './partition-lag.js';

/** A broker answering from plain maps; `down` makes every request fail. */
function fakeAdmin() {
  const admin = {
    down: false,
    high: { 0: '7000', 1: '500' } as Record<number, string>,
    committed: { 0: '6500', 1: '-1' } as Record<number, string>,
    async describeCluster() {
      if (admin.down) throw new Error('Connection error: connect ECONNREFUSED');
      return { brokers: [], controller: 1, clusterId: 'c' };
    },
    async fetchTopicOffsets(_topic: string) {
      if (admin.down) throw new Error('Connection error: connect ECONNREFUSED');
      return Object.entries(admin.high).map(([p, high]) => ({
        partition: Number(p),
        offset: high,
        high,
        low: '0',
      }));
    },
    async fetchOffsets({ topics }: { groupId: string; topics: string[] }) {
      if (admin.down) throw new Error('Connection error: connect ECONNREFUSED');
      return topics.map((topic) => ({
        topic,
        partitions: Object.entries(admin.committed).map(([p, offset]) => ({
          partition: Number(p),
          offset,
          metadata: null,
        })),
      }));
    },
  };
  return admin;
}

function consumerState(over: Partial<ConsumerState> = {}): ConsumerState {
  return { joined: true, paused: false, assignment: {}, highWatermarks: {}, processedOffsets: {}, ...over };
}

function tracker(state: ConsumerState, admin = fakeAdmin()) {
  return { admin, lag: new PartitionLagTracker(admin as never, 'g', () => state, 60_000) };
}

describe('PartitionLagTracker', () => {
  it('reports no partition before any is assigned (not a lag of 0)', async () => {
    const { lag } = tracker(consumerState());
    await lag.refresh();
    expect(lag.lag()).toEqual([]);
  });

  it('is unknown, not counted from offset 0, until committed offsets and ends were read', async () => {
    // Just assigned after a restart: the first batch already told the high watermark, nothing is processed.
    const state = consumerState({ assignment: { t: [0, 1] }, highWatermarks: { 't:0': '7000' } });
    const { lag } = tracker(state);
    expect(lag.lag()).toEqual([
      { topic: 't', partition: 0, lag: null },
      { topic: 't', partition: 1, lag: null },
    ]);
    state.processedOffsets['t:0'] = '6510';
    expect(lag.lag()[0]!.lag).toBeNull();
    await lag.refresh();
    // 7000 - 6511 on partition 0; partition 1 has no commit: the group reads it from its start (0).
    expect(lag.lag()).toEqual([
      { topic: 't', partition: 0, lag: 489 },
      { topic: 't', partition: 1, lag: 500 },
    ]);
  });

  it('never exceeds end minus committed offset right after a restart (no spike)', async () => {
    const state = consumerState({ assignment: { t: [0] } });
    const { lag, admin } = tracker(state);
    admin.high = { 0: '7000' };
    admin.committed = { 0: '6500' };
    await lag.refresh();
    expect(lag.lag()).toEqual([{ topic: 't', partition: 0, lag: 500 }]);
    state.highWatermarks['t:0'] = '7010';
    expect(lag.lag()[0]!.lag).toBe(510);
    state.processedOffsets['t:0'] = '6999';
    expect(lag.lag()[0]!.lag).toBe(10);
  });

  it('turns unknown when a refresh fails instead of keeping the old ends', async () => {
    const state = consumerState({ assignment: { t: [0] } });
    const { lag, admin } = tracker(state);
    admin.high = { 0: '100' };
    admin.committed = { 0: '100' };
    await lag.refresh();
    expect(lag.lag()[0]!.lag).toBe(0);
    admin.down = true;
    await expect(lag.refresh()).rejects.toThrow(/ECONNREFUSED/);
    expect(lag.lag()).toEqual([{ topic: 't', partition: 0, lag: null }]);
    admin.down = false;
    admin.high = { 0: '160' };
    await lag.refresh();
    expect(lag.lag()[0]!.lag).toBe(60);
  });

  it('fails a refresh with nothing assigned when the brokers do not answer', async () => {
    const { lag, admin } = tracker(consumerState());
    admin.down = true;
    await expect(lag.refresh()).rejects.toThrow(/ECONNREFUSED/);
  });

  it('is not stalled while lag is unknown', async () => {
    const state = consumerState({ assignment: { t: [0] } });
    const { lag } = tracker(state);
    expect(lag.stalled(Date.now() + 120_000)).toBe(false);
  });
});
