import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf, openTempChDB } from '../../../test/temp-chdb.js';
import {
  CREATED_INDEX_COMPLETE,
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
    expect(await completeCreatedIndex(client, table, 0)).toBe(true);
    expect(await indexed(table)).toEqual(keys([...before, ...after]));
    expect(await markers(CREATED_INDEX_COMPLETE)).toBe(1);
    // Later calls and starts change nothing.
    const rows = await countOf(client, `SELECT count() AS n FROM ${index}`);
    expect(await completeCreatedIndex(client, table, 0)).toBe(true);
    await ensureMetricEventTable(client, table);
    expect(await countOf(client, `SELECT count() AS n FROM ${index}`)).toBe(rows);
  });

  it('is not there for a table whose index was never created', async () => {
    const table = 'unindexedEvents';
    await client.command({ query: metricEventTableDdl(table) });
    expect(await completeCreatedIndex(client, table, 0)).toBe(false);
  });
});
