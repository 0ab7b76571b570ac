import { describe, expect, it } from 'vitest';
import { CH, Commits, chunk, filterOn } from '../../test/resend-filter-harness.js';
import { InMemoryFirstSeen } from '../testing/in-memory-first-seen.js';

describe('ResendFilter, ClickHouse rows (first-seen entries)', () => {
  it('refuses a row published again at another offset or partition; a replay of the same record runs', async () => {
    const firstSeen = new InMemoryFirstSeen();
    const filter = filterOn(new Commits(), firstSeen);
    expect((await chunk(filter, CH, [{ offset: 5, id: 'row-1' }])).refused).toEqual([]);
    expect(
      (
        await chunk(filter, CH, [
          { offset: 5, id: 'row-1' },
          { offset: 6, id: 'row-2' },
          { offset: 9, id: 'row-1' },
        ])
      ).refused,
    ).toEqual([9]);
    expect((await chunk(filter, CH, [{ offset: 3, id: 'row-2' }], 1)).refused).toEqual([3]);
    expect(firstSeen.entries).toEqual(
      new Map([
        [`${CH}|row-1`, '0:5'],
        [`${CH}|row-2`, '0:6'],
      ]),
    );
  });

  it('runs redriven rows without touching their entry, and every row when there is no store', async () => {
    const firstSeen = new InMemoryFirstSeen();
    const filter = filterOn(new Commits(), firstSeen);
    await chunk(filter, CH, [{ offset: 1, id: 'row-1' }]);
    expect((await chunk(filter, CH, [{ offset: 8, id: 'row-1', redrive: true }])).refused).toEqual([]);
    expect(firstSeen.entries.get(`${CH}|row-1`)).toBe('0:1');
    const withoutStore = filterOn();
    await chunk(withoutStore, CH, [{ offset: 1, id: 'row-1' }]);
    expect((await chunk(withoutStore, CH, [{ offset: 2, id: 'row-1' }])).refused).toEqual([]);
  });
});
