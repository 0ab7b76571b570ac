import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf, interceptClient, openTempChDB } from '../../../test/temp-chdb.js';
import {
  CREATED_INDEX_COMPLETE,
  CREATED_INDEX_COPIED,
  CREATED_INDEX_COPYING,
  completeCreatedIndex,
  createdIndexTables,
} from './created-index.js';
import { MetricEventStore } from './metric-event-store.js';
import { ensureMetricEventTable, metricEventTableDdl } from './schema.js';

// The index of events by creation time on real embedded ClickHouse: complete at once on a new table; on a
// table with events, complete only after its late copy, and never before the insert margin has passed.
const DAY = 86_400_000;
const at = Date.parse('2025-06-15T12:00:00.000Z');

let client: ClickHouseClient;
beforeAll(async () => {
  client = await openTempChDB('created-index');
});
afterAll(async () => {
  await client?.close();
});

let seq = 0;
function events(entityType: string, ids: number[]): EntityMetricEvent[] {
  return ids.map((entityId, i) => ({
    eventId: `e${seq++}`,
    entityType,
    entityId,
    userId: 0,
    metricType: 'likeCount',
    metricValue: 1,
    createdAt: new Date(at - i * DAY),
    origin: 'o:0',
    originSeq: seq,
  }));
}

/** The distinct (type, id, createdAt) the index holds, without its markers. */
async function indexed(table: string): Promise<string[]> {
  const rows = await (
    await client.query({
      query: `SELECT DISTINCT entityType, entityId, toUnixTimestamp64Milli(createdAt) AS ms
FROM ${createdIndexTables(table).index} WHERE entityType NOT LIKE '~%' ORDER BY entityType, entityId, ms`,
      format: 'JSONEachRow',
    })
  ).json<{ entityType: string; entityId: string; ms: string }>();
  return rows.map((r) => `${r.entityType}:${r.entityId}@${r.ms}`);
}

const keys = (list: EntityMetricEvent[]) =>
  [...new Set(list.map((e) => `${e.entityType}:${e.entityId}@${e.createdAt!.getTime()}`))].sort();

describe('the index of events by creation time', () => {
  it('is complete at once on a new table and gets every insert, replays included', async () => {
    const table = 'freshEvents';
    await ensureMetricEventTable(client, table);
    expect(await completeCreatedIndex(client, table)).toBe(true);
    const store = new MetricEventStore(client, table);
    const batch = events('Image', [1, 2, 3, 2]);
    await store.insert(batch);
    await store.insert(batch); // a replay: a duplicate in the index, the same answer
    expect(await indexed(table)).toEqual(keys(batch));
  });

  it('on a table with events, copies them only after the insert margin, then marks itself complete', async () => {
    const table = 'olderEvents';
    await client.command({ query: metricEventTableDdl(table) });
    const store = new MetricEventStore(client, table);
    const before = events('Model', [10, 11, 12]);
    await store.insert(before);
    await ensureMetricEventTable(client, table);
    const index = createdIndexTables(table).index;
    const markers = (name: string) =>
      countOf(client, `SELECT count() AS n FROM ${index} WHERE entityType = '${name}'`);
    expect(await markers(CREATED_INDEX_COPYING)).toBe(1);
    // The view copies what comes now; what was stored before is not in the index yet, so it is not used.
    const after = events('Model', [13]);
    await store.insert(after);
    expect(await indexed(table)).toEqual(keys(after));
    expect(await completeCreatedIndex(client, table)).toBe(false);
    expect(await markers(CREATED_INDEX_COMPLETE)).toBe(0);

    // Once the margin has passed, the first caller copies the event table and marks the index complete.
    expect(await completeCreatedIndex(client, table, { marginMs: 0 })).toBe(true);
    expect(await indexed(table)).toEqual(keys([...before, ...after]));
    expect(await markers(CREATED_INDEX_COMPLETE)).toBe(1);
    // Later calls and starts change nothing.
    const rows = await countOf(client, `SELECT count() AS n FROM ${index}`);
    expect(await completeCreatedIndex(client, table, { marginMs: 0 })).toBe(true);
    await ensureMetricEventTable(client, table);
    expect(await countOf(client, `SELECT count() AS n FROM ${index}`)).toBe(rows);
  });

  it('copies a table month by month within its budget, and goes on after a call that failed', {
    timeout: 60_000,
  }, async () => {
    const table = 'monthsOfEvents';
    await client.command({ query: metricEventTableDdl(table) });
    const store = new MetricEventStore(client, table);
    // 150 days of events a day apart (six calendar months), stored before the index.
    const before = events(
      'Post',
      Array.from({ length: 150 }, (_, i) => 100 + (i % 40)),
    );
    await store.insert(before);
    await ensureMetricEventTable(client, table);
    const index = createdIndexTables(table).index;
    const markers = (name: string) =>
      countOf(client, `SELECT count() AS n FROM ${index} WHERE entityType = '${name}'`);
    const months = new Set(before.map((e) => e.createdAt!.toISOString().slice(0, 7))).size;
    expect(months).toBe(6);

    // A call whose second copy fails keeps the first month marked as copied.
    let inserts = 0;
    const failing = interceptClient(client, 'command', (command) => async (params) => {
      if (params.query.includes(`FROM ${table} WHERE`) && ++inserts === 2) throw new Error('copy failed');
      return command(params);
    });
    await expect(completeCreatedIndex(failing, table, { marginMs: 0 })).rejects.toThrow('copy failed');
    expect(await markers(CREATED_INDEX_COPIED)).toBe(1);

    // With no budget, each call copies one more month and is not complete until the last.
    let calls = 0;
    while (!(await completeCreatedIndex(client, table, { marginMs: 0, budgetMs: 0 }))) calls++;
    expect(calls).toBe(months - 2); // the failed call copied one; the call that completes copies the last
    expect(await markers(CREATED_INDEX_COPIED)).toBe(months);
    expect(await markers(CREATED_INDEX_COMPLETE)).toBe(1);
    expect(await indexed(table)).toEqual(keys(before));
  });

  it('is not there for a table whose index was never created', async () => {
    const table = 'unindexedEvents';
    await client.command({ query: metricEventTableDdl(table) });
    expect(await completeCreatedIndex(client, table, { marginMs: 0 })).toBe(false);
  });
});
