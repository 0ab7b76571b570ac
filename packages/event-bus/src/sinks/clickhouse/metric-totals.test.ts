import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse } from './client.js';
import { MetricEventStore } from './metric-event-store.js';
import { readMetricTotals } from './metric-totals.js';
import { readRollState } from './roll-state.js';
import { ensureMetricEventTable, metricEventTableDdl, metricEventTableMigrations } from './schema.js';

// Real embedded ClickHouse (chDB) in a private directory: the query's FINAL, windows and maxMap run for real.
const now = new Date('2025-06-15T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (ms: number) => new Date(now.getTime() - ms);

let seq = 0;
const ev = (entityId: number, metricType: string, metricValue: number, createdAt: Date, origin = 'o:0') => {
  seq++;
  return {
    eventId: `e${seq}`,
    entityType: 'Model',
    entityId,
    userId: 0,
    metricType,
    metricValue,
    createdAt,
    origin,
    originSeq: seq * 10,
  } satisfies EntityMetricEvent;
};

const events: EntityMetricEvent[] = [
  ev(1, 'downloadCount', 1, ago(1_000)), // in every window
  ev(1, 'downloadCount', 1, ago(DAY)), // exactly at the day window's start: inside
  ev(1, 'downloadCount', 1, ago(DAY + 1)), // just outside the day window
  ev(1, 'downloadCount', 1, ago(8 * DAY), 'o:1'),
  ev(1, 'downloadCount', 1, ago(31 * DAY)),
  ev(1, 'downloadCount', 1, ago(400 * DAY)),
  ev(1, 'downloadCount', -1, ago(2 * DAY)), // a removal of something created two days ago
  ev(1, 'ratingSum', 5, ago(3 * DAY)),
  ev(1, 'ratingCount', 1, ago(3 * DAY)),
  ev(2, 'ratingSum', 4, new Date(now.getTime() + 2_000), 'o:2'), // stamped after `now`: still counted
  ev(2, 'ratingCount', 1, new Date(now.getTime() + 2_000), 'o:2'),
  ev(3, 'downloadCount', 7, ago(100 * DAY)),
  ev(5, 'downloadCount', 1, ago(7 * DAY)), // exactly at the week window's start
  ev(5, 'downloadCount', 1, ago(7 * DAY + 1)),
  { ...ev(1, 'downloadCount', 1, ago(1_000)), entityType: 'Image' }, // another entity type: never counted
];

// Both read paths: the read rollup (a table the host created; its empty first roll leaves every event in the
// open part) and the event table with FINAL (a table without the rollup's tables: made by hand, or not
// migrated yet).
const TABLES: [path: string, table: string][] = [
  ['the read rollup', 'entityMetricEvents'],
  ['the event table with FINAL', 'plainMetricEvents'],
];

let client: ClickHouseClient;
beforeAll(async () => {
  client = await openClickHouse({ path: mkdtempSync(join(tmpdir(), 'eb-totals-')) });
  await ensureMetricEventTable(client);
  for (const query of [
    metricEventTableDdl('plainMetricEvents'),
    ...metricEventTableMigrations('plainMetricEvents'),
  ])
    await client.command({ query });
  for (const [, table] of TABLES) {
    const store = new MetricEventStore(client, table);
    await store.insert(events);
    // A replay of the first three events in a later insert (a redelivery): FINAL must collapse them.
    await store.insert(events.slice(0, 3));
  }
});
afterAll(async () => {
  await client?.close();
});

describe.each(TABLES)('readMetricTotals on chDB, from %s', (path, table) => {
  it(`reads from ${path}`, async () => {
    const state = await readRollState(client, table);
    expect(state?.head ? 'the read rollup' : 'the event table with FINAL').toBe(path);
  });

  it('totals per entity, metric and timeframe, counting replays once', async () => {
    const result = await readMetricTotals(client, {
      table,
      entityType: 'Model',
      entityIds: [1, 2, 3, 4],
      metricTypes: ['downloadCount', 'ratingSum', 'ratingCount'],
      timeframes: ['day', 'week', 'month', 'year', 'all'],
      now,
    });
    expect(result.map((r) => r.entityId)).toEqual([1, 2, 3, 4]);
    expect(result[0]!.totals).toEqual({
      downloadCount: { day: 2, week: 2, month: 3, year: 4, all: 5 },
      ratingSum: { day: 0, week: 5, month: 5, year: 5, all: 5 },
      ratingCount: { day: 0, week: 1, month: 1, year: 1, all: 1 },
    });
    expect(result[1]!.totals.ratingSum).toEqual({ day: 4, week: 4, month: 4, year: 4, all: 4 });
    expect(result[1]!.totals.downloadCount).toEqual({ day: 0, week: 0, month: 0, year: 0, all: 0 });
    expect(result[2]!.totals.downloadCount).toEqual({ day: 0, week: 0, month: 0, year: 7, all: 7 });
    expect(result[3]!.totals.ratingCount).toEqual({ day: 0, week: 0, month: 0, year: 0, all: 0 });
  });

  it('without metricTypes returns the types found; without all, skips older rows', async () => {
    const [one, four] = await readMetricTotals(client, {
      table,
      entityType: 'Model',
      entityIds: [1, 4],
      timeframes: ['week'],
      now,
    });
    expect(one!.totals).toEqual({
      downloadCount: { week: 2 },
      ratingSum: { week: 5 },
      ratingCount: { week: 1 },
    });
    expect(four!.totals).toEqual({});
    // The rows skipped are the ones before the longest window's start, not the one right at it.
    const [five] = await readMetricTotals(client, {
      table,
      entityType: 'Model',
      entityIds: [5],
      timeframes: ['day', 'week'],
      now,
    });
    expect(five!.totals).toEqual({ downloadCount: { day: 0, week: 1 } });
  });

  it('reports the highest originSeq per origin among the rows it counted', async () => {
    const [one, two] = await readMetricTotals(client, {
      table,
      entityType: 'Model',
      entityIds: [1, 2],
      metricTypes: ['downloadCount'],
      timeframes: ['all'],
      now,
      highWater: true,
    });
    const downloads = events.filter(
      (e) => e.entityType === 'Model' && e.entityId === 1 && e.metricType === 'downloadCount',
    );
    const maxOf = (origin: string) =>
      Math.max(...downloads.filter((e) => e.origin === origin).map((e) => e.originSeq));
    expect(one!.highWater).toEqual({ 'o:0': maxOf('o:0'), 'o:1': maxOf('o:1') });
    expect(two!.highWater).toEqual({});
  });

  it('answers an empty request without querying', async () => {
    expect(
      await readMetricTotals(client, { table, entityType: 'Model', entityIds: [], timeframes: ['all'] }),
    ).toEqual([]);
  });
});
