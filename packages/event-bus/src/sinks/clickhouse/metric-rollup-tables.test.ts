import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf, interceptClient, openTempChDB } from '../../../test/temp-chdb.js';
import { MetricEventStore } from './metric-event-store.js';
import { type RollResult, rollMetricEvents } from './metric-rollup.js';
import { readMetricTotals } from './metric-totals.js';
import { readRollState } from './roll-state.js';
import { DAILY_COMPRESS_BLOCKS, rollupTables } from './rollup-schema.js';
import { ensureMetricEventTable, metricEventTableDdl } from './schema.js';

// The read rollup's life on a table of its own (real embedded ClickHouse): a table that had events before
// the rollup existed, and slots of `recent` dropped once rolled.
const now = new Date('2025-06-15T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (ms: number) => new Date(now.getTime() - ms);

let client: ClickHouseClient;
const count = (sql: string) => countOf(client, sql);

beforeAll(async () => {
  client = await openTempChDB('rollup-tables');
});
afterAll(async () => {
  await client?.close();
});

describe('the read rollup of a table of its own', () => {
  it('migrates a table that had events before the rollup: the first roll reads the event table by month', async () => {
    const table = 'migratedEvents';
    await client.command({ query: metricEventTableDdl(table) });
    const old = new MetricEventStore(client, table);
    const events = Array.from({ length: 50 }, (_, i) => ({
      eventId: `m${i}`,
      entityType: 'Model',
      entityId: 1 + (i % 2),
      userId: 0,
      metricType: 'likeCount',
      metricValue: 1,
      createdAt: ago(i * DAY),
      origin: 'm:0',
      originSeq: i,
    }));
    await old.insert(events.slice(0, 30));
    await old.insert(events.slice(0, 10)); // replays, not merged yet
    await ensureMetricEventTable(client, table);
    expect((await readRollState(client, table))?.head).toBeNull(); // reads use the event table meanwhile
    await old.insert(events.slice(30)); // after the view exists: in `recent` too
    expect(await rollMetricEvents(client, { table })).toMatchObject({ committed: false }); // within the margin
    // Time passes: the copying mark is older than the insert margin.
    await client.command({
      query: `ALTER TABLE ${rollupTables(table).rolls} UPDATE at = at - INTERVAL 1 HOUR WHERE 1`,
      clickhouse_settings: { mutations_sync: '2' },
    });
    // The first roll reads the event table a month partition per insert (three months of events here).
    const monthInserts: string[] = [];
    const watched = interceptClient(client, 'command', (command) => (params) => {
      const month = /toYYYYMM\(createdAt\) = (\d+)/.exec(params.query)?.[1];
      if (month && params.query.startsWith(`INSERT INTO ${rollupTables(table).daily}`))
        monthInserts.push(month);
      return command(params);
    });
    expect(await rollMetricEvents(watched, { table })).toMatchObject({ committed: true, base: 0 });
    expect(monthInserts).toEqual(['202504', '202505', '202506']);
    await old.insert(events.slice(20, 40)); // replays of rolled events after the migration
    const [one, two] = await readMetricTotals(client, {
      entityType: 'Model',
      entityIds: [1, 2],
      timeframes: ['week', 'all'],
      now,
      table,
    });
    expect(one!.totals.likeCount).toEqual({ week: 4, all: 25 });
    expect(two!.totals.likeCount).toEqual({ week: 4, all: 25 });
  });

  it("stops a migrated table's first roll between months once another host's first roll committed", async () => {
    const table = 'racedMigration';
    await client.command({ query: metricEventTableDdl(table) });
    const events = Array.from({ length: 90 }, (_, i) => ({
      eventId: `x${i}`,
      entityType: 'Model',
      entityId: 1,
      userId: 0,
      metricType: 'likeCount',
      metricValue: 1,
      createdAt: ago(i * DAY),
      origin: 'x:0',
      originSeq: i,
    }));
    await new MetricEventStore(client, table).insert(events);
    await ensureMetricEventTable(client, table);
    await client.command({
      query: `ALTER TABLE ${rollupTables(table).rolls} UPDATE at = at - INTERVAL 1 HOUR WHERE 1`,
      clickhouse_settings: { mutations_sync: '2' },
    });
    // This host's first roll inserts its first month; another host's whole first roll commits meanwhile.
    let months = 0;
    let other: RollResult | undefined;
    const racing = interceptClient(client, 'command', (command) => async (params) => {
      const result = await command(params);
      if (/toYYYYMM\(createdAt\) = \d+/.test(params.query) && ++months === 1)
        other = await rollMetricEvents(client, { table });
      return result;
    });
    const ours = await rollMetricEvents(racing, { table });
    expect(other).toMatchObject({ committed: true, base: 0 });
    expect(ours).toMatchObject({ committed: false, base: 0 });
    expect(months, 'month inserts of the roll that lost').toBe(1);
    // It took its month's rows and its listing back: reads carry no excluded gen for it.
    expect((await readRollState(client, table))!.excluded).not.toContain(ours.gen);
    expect(
      await countOf(client, `SELECT count() AS n FROM ${rollupTables(table).daily} WHERE gen = ${ours.gen}`),
    ).toBe(0);
    const [one] = await readMetricTotals(client, {
      entityType: 'Model',
      entityIds: [1],
      timeframes: ['week', 'all'],
      now,
      table,
    });
    expect(one!.totals.likeCount).toEqual({ week: 8, all: 90 });
  });

  it('drops slots of recent once rolled and old enough, and reads stay exact', async () => {
    const table = 'slotEvents';
    await ensureMetricEventTable(client, table);
    const t = rollupTables(table);
    // Events inserted an hour ago (as the server stamps them), the table's first roll two hours ago.
    await client.command({
      query: `INSERT INTO ${table} (eventId, entityType, entityId, userId, metricType, metricValue, createdAt, origin, originSeq, insertedAt)
SELECT concat('s', toString(number)), 'Model', 1 + number % 2, 0, 'likeCount', 1, now64(3) - INTERVAL number HOUR, 's:0', number,
  now64(3) - INTERVAL 1 HOUR
FROM numbers(40)`,
    });
    await client.command({
      query: `ALTER TABLE ${t.rolls} UPDATE at = at - INTERVAL 2 HOUR WHERE 1`,
      clickhouse_settings: { mutations_sync: '2' },
    });
    const slots = `SELECT count() AS n FROM ${t.recent}`;
    expect(await count(slots)).toBe(40);
    // The first roll's base is two hours old: the hour-old slot may still be read by its readers.
    expect(await rollMetricEvents(client, { table })).toMatchObject({ committed: true, droppedSlots: 0 });
    // The next roll's base is the one just made: the slot ends more than 15 minutes before it.
    expect(await rollMetricEvents(client, { table })).toMatchObject({ committed: true, droppedSlots: 1 });
    expect(await count(slots)).toBe(0);
    await client.command({
      query: `INSERT INTO ${table} (eventId, entityType, entityId, userId, metricType, metricValue, createdAt, origin, originSeq)
SELECT concat('s', toString(number)), 'Model', 1 + number % 2, 0, 'likeCount', 1, now64(3) - INTERVAL number HOUR, 's:0', number
FROM numbers(30, 20)`, // ten replays of dropped, rolled events and ten new ones
    });
    const [one, two] = await readMetricTotals(client, {
      entityType: 'Model',
      entityIds: [1, 2],
      timeframes: ['day', 'all'],
      table,
    });
    expect(one!.totals.likeCount).toEqual({ day: 12, all: 25 });
    expect(two!.totals.likeCount).toEqual({ day: 12, all: 25 });
  });

  it('adds the floors column to a rolls table made before compaction, keeping its rolls', async () => {
    const table = 'olderRollsEvents';
    const t = rollupTables(table);
    await ensureMetricEventTable(client, table);
    await client.command({ query: `ALTER TABLE ${t.rolls} DROP COLUMN floors` }); // as 0003 made it before
    const store = new MetricEventStore(client, table);
    await store.insert([
      {
        eventId: 'o1',
        entityType: 'Model',
        entityId: 1,
        userId: 0,
        metricType: 'likeCount',
        metricValue: 2,
        createdAt: ago(DAY),
        origin: 'o:0',
        originSeq: 0,
      },
    ]);
    await expect(readRollState(client, table)).rejects.toThrow(/floors/);
    await ensureMetricEventTable(client, table); // what every host does at start
    expect((await readRollState(client, table))!.head!.floors).toEqual({});
    expect((await rollMetricEvents(client, { table })).committed).toBe(true);
    const [totals] = await readMetricTotals(client, {
      table,
      entityType: 'Model',
      entityIds: [1],
      timeframes: ['all'],
      now,
    });
    expect(totals!.totals).toEqual({ likeCount: { all: 2 } });
  });

  it('gives a daily table made with other compressed block sizes the current ones, at start and only then', async () => {
    const table = 'olderBlocksEvents';
    const { daily } = rollupTables(table);
    await ensureMetricEventTable(client, table);
    const engine = async () =>
      (
        await (
          await client.query({
            query: `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = '${daily}'`,
            format: 'JSONEachRow',
          })
        ).json<{ engine_full: string }>()
      )[0]!.engine_full;
    expect(await engine()).toContain(DAILY_COMPRESS_BLOCKS);
    // As 0003 made it before 2026-12-06.
    await client.command({
      query: `ALTER TABLE ${daily} MODIFY SETTING min_compress_block_size = 16384, max_compress_block_size = 65536`,
    });
    expect(await engine()).not.toContain(DAILY_COMPRESS_BLOCKS);
    const alters: string[] = [];
    const watched = interceptClient(client, 'command', (command) => (params) => {
      if (params.query.startsWith('ALTER')) alters.push(params.query);
      return command(params);
    });
    await ensureMetricEventTable(watched, table); // what every host does at start
    expect(await engine()).toContain(DAILY_COMPRESS_BLOCKS);
    expect(alters.filter((q) => q.includes('compress'))).toHaveLength(1);
    await ensureMetricEventTable(watched, table);
    expect(alters.filter((q) => q.includes('compress'))).toHaveLength(1);
  });
});
