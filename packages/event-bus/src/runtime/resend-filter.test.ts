import { describe, expect, it } from 'vitest';
import { Commits, chunk, type Fake, filterOn, PG, pos } from '../../test/resend-filter-harness.js';
import type { KafkaRecord } from '../events/kafka-record.js';
import { encodePositions, NO_POSITIONS } from './ordered-positions.js';
import { ResendFilter } from './resend-filter.js';

describe('ResendFilter, ordered sources (Debezium source.sequence)', () => {
  it('refuses a change re-sent at a new offset with its original position, and admits what follows', async () => {
    const { refused } = await chunk(filterOn(), PG, [
      { offset: 0, id: 'a', position: pos(10, 10) },
      { offset: 1, id: 'b', position: pos(10, 11) },
      { offset: 2, id: 'c', position: pos(20, 12) },
      // Kafka Connect restarted from an offset flushed before b: b and c again, then new work.
      { offset: 3, id: 'b', position: pos(10, 11) },
      { offset: 4, id: 'c', position: pos(20, 12) },
      { offset: 5, id: 'd', position: pos(30, 13) },
    ]);
    expect(refused).toEqual([3, 4]);
  });

  it('admits interleaved transactions: a later commit whose change has a lower lsn', async () => {
    const { refused } = await chunk(filterOn(), PG, [
      { offset: 0, id: 'a', position: pos(100, 500) },
      { offset: 1, id: 'b', position: pos(200, 300) },
      { offset: 2, id: 'a', position: pos(100, 500) },
    ]);
    expect(refused).toEqual([2]);
  });

  it('admits distinct changes that share one position (a primary-key update) and refuses their copies', async () => {
    const { refused } = await chunk(filterOn(), PG, [
      { offset: 0, id: 'delete-old-key', position: pos(50, 60) },
      { offset: 1, id: 'create-new-key', position: pos(50, 60) },
      { offset: 2, id: 'create-new-key', position: pos(50, 60) },
      { offset: 3, id: 'delete-old-key', position: pos(50, 60) },
    ]);
    expect(refused).toEqual([2, 3]);
  });

  it('never refuses a change without a position (a snapshot read), and such a change moves nothing', async () => {
    const { refused, after } = await chunk(filterOn(), PG, [
      { offset: 0, id: 'a', position: pos(10, 10) },
      { offset: 1, id: 'snap', position: null },
      { offset: 2, id: 'snap', position: null },
    ]);
    expect(refused).toEqual([]);
    expect(after[2]).toEqual({ max: pos(10, 10), atMax: ['a'] });
  });

  it('never refuses a redriven record that could not be decoded (only eb.redrive.from)', async () => {
    const filter = filterOn();
    await chunk(filter, PG, [{ offset: 0, id: 'b', position: pos(20, 20) }]);
    const records: KafkaRecord[] = [
      {
        topic: PG,
        partition: 0,
        offset: '1',
        key: null,
        value: null,
        headers: { 'eb.redrive.from': 'dlq/0/7' },
      },
    ];
    const admission = await filter.open(records);
    const verdicts = await admission.admit([
      { index: 0, id: 'a', source: 'postgres', sourcePosition: pos(10, 10) },
    ]);
    expect(verdicts).toEqual([true]);
    expect(admission.positionsAfter(0)).toEqual({ max: pos(20, 20), atMax: ['b'] });
  });

  it('never refuses a redriven record, and a redrive moves nothing', async () => {
    const { refused, after } = await chunk(filterOn(), PG, [
      { offset: 0, id: 'a', position: pos(10, 10) },
      { offset: 1, id: 'b', position: pos(20, 20) },
      { offset: 2, id: 'a', position: pos(10, 10), redrive: true },
      { offset: 3, id: 'b', position: pos(20, 20), redrive: true },
      { offset: 4, id: 'b', position: pos(20, 20) },
    ]);
    expect(refused).toEqual([4]);
    expect(after[3]).toEqual({ max: pos(20, 20), atMax: ['b'] });
  });

  it('decides a replay after a crash exactly as the first reading did, from the positions committed with its offset', async () => {
    const fakes: Fake[] = [
      { offset: 0, id: 'a', position: pos(10, 10) },
      { offset: 1, id: 'b', position: pos(10, 11) },
      { offset: 2, id: 'c', position: pos(20, 12) },
      { offset: 3, id: 'b', position: pos(10, 11) },
      { offset: 4, id: 'd', position: pos(30, 13) },
      { offset: 5, id: 'c', position: pos(20, 12) },
    ];
    const commits = new Commits();
    const first = await chunk(filterOn(commits), PG, fakes);
    expect(first.refused).toEqual([3, 5]);
    // The flush after offset 2 committed its positions; the host crashed before the next commit.
    commits.commit(PG, 0, 2, first.after[2]!);
    const replay = await chunk(filterOn(commits), PG, fakes.slice(3));
    expect(replay.refused).toEqual([3, 5]);
    expect(replay.after.at(-1)).toEqual(first.after.at(-1));
  });

  it('starts from nothing when the commit has no positions for its offset (an offset reset by a tool)', async () => {
    const commits = new Commits();
    commits.commit(PG, 0, 7, { max: pos(90, 90), atMax: ['z'] });
    // Metadata written for offset 8 but the offset now says 3: the positions do not belong to it.
    commits.offsets.set(`${PG}/0`, { ...commits.offsets.get(`${PG}/0`)!, offset: '3' });
    const { refused } = await chunk(filterOn(commits), PG, [{ offset: 3, id: 'a', position: pos(10, 10) }]);
    expect(refused).toEqual([]);
  });

  it('keeps partitions apart, and reads positions again after a rebalance', async () => {
    const commits = new Commits();
    const filter = filterOn(commits);
    await chunk(filter, PG, [{ offset: 0, id: 'a', position: pos(10, 10) }], 0);
    expect((await chunk(filter, PG, [{ offset: 0, id: 'a', position: pos(10, 10) }], 1)).refused).toEqual([]);
    expect(commits.reads).toBe(1);
    // Another host went on with partition 0 and committed: after the rebalance this one starts from there.
    commits.commit(PG, 0, 40, { max: pos(80, 80), atMax: ['y'] });
    filter.reset();
    const after = await chunk(filter, PG, [{ offset: 41, id: 'x', position: pos(70, 70) }], 0);
    expect(after.refused).toEqual([41]);
    expect(commits.reads).toBe(2);
  });

  it('does not let a chunk opened before a rebalance overwrite what the partition starts from after it', async () => {
    const commits = new Commits();
    const filter = filterOn(commits);
    const records: KafkaRecord[] = [{ topic: PG, partition: 0, offset: '0', key: null, value: null }];
    const stale = await filter.open(records);
    await stale.admit([{ index: 0, id: 'a', source: 'postgres', sourcePosition: pos(10, 10) }]);
    filter.reset();
    stale.positionsAfter(0);
    const { refused } = await chunk(filter, PG, [{ offset: 0, id: 'a', position: pos(10, 10) }]);
    expect(refused).toEqual([]);
  });

  it('reads the committed positions again after a failed read', async () => {
    let fail = true;
    const filter = new ResendFilter({
      committed: async () => {
        if (fail) throw new Error('broker away');
        return [];
      },
    });
    await expect(chunk(filter, PG, [{ offset: 0, id: 'a', position: pos(1, 1) }])).rejects.toThrow(
      'broker away',
    );
    fail = false;
    expect((await chunk(filter, PG, [{ offset: 0, id: 'a', position: pos(1, 1) }])).refused).toEqual([]);
  });

  it('a partition that never saw a position commits none', () => {
    expect(encodePositions('5', NO_POSITIONS)).toBeNull();
  });
});
