import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempChDB } from '../../../test/temp-chdb.js';
import { toJsonLines } from '../../metrics/json-lines.js';
import { metricEventJson, toMetricEventRow } from '../../metrics/metric-event-row.js';
import { INSERT_JSON_LINES } from './client.js';
import { MetricEventStore } from './metric-event-store.js';
import { ensureMetricEventTable, metricEventTableDdl } from './schema.js';

// Real embedded ClickHouse (chDB): what the store inserts is read back from the table.
const event = (n: number): EntityMetricEvent => ({
  eventId: `e${n}`,
  entityType: 'Image',
  entityId: n,
  userId: 100 + n,
  metricType: 'reactionLike',
  metricValue: 1,
  createdAt: new Date(Date.UTC(2025, 5, 15, 12, 0, n, 7)),
  origin: 'pg:ImageReaction:0',
  originSeq: n * 16,
  ...(n % 2 === 0 ? { sourceTx: 2 ** 53 - n } : {}),
});

let client: ClickHouseClient;
beforeAll(async () => {
  client = await openTempChDB('store');
  await ensureMetricEventTable(client, 'withJson');
  await ensureMetricEventTable(client, 'withoutJson');
});
afterAll(async () => {
  await client?.close();
});

async function rowsOf(table: string) {
  const result = await client.query({
    query: `SELECT * EXCEPT insertedAt FROM ${table} ORDER BY originSeq`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return result.json<Record<string, unknown>>();
}

describe('MetricEventStore.insert', () => {
  it('sends the rows as the metric topic carried them, a block per insert, and stores what the events alone would', async () => {
    const events = Array.from({ length: 5 }, (_, i) => event(i + 1));
    const json = events.map(metricEventJson);
    // Blocks as the ingest stage makes them, one per processed batch: 2, 1 and 2 rows.
    const blocks = [json.slice(0, 2), json.slice(2, 3), json.slice(3)].map(toJsonLines);
    const sent: number[] = [];
    const watched = new Proxy(client, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop, target);
        if (prop !== INSERT_JSON_LINES) return typeof value === 'function' ? value.bind(target) : value;
        return (table: string, body: Buffer) => {
          sent.push(body.toString().split('\n').filter(Boolean).length);
          return value(table, body);
        };
      },
    });
    await new MetricEventStore(watched, 'withJson', 2).insert(events, blocks);
    expect(sent).toEqual([2, 1, 2]);
    await new MetricEventStore(watched, 'withoutJson', 2).insert(events);
    expect(sent).toEqual([2, 1, 2, 2, 2, 1]);
    const stored = await rowsOf('withJson');
    expect(stored).toEqual(await rowsOf('withoutJson'));
    expect(stored.map((r) => r.eventId)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(stored[1]).toMatchObject({
      ...toMetricEventRow(events[1]!),
      createdAt: '2025-06-15 12:00:02.007',
    });
  });

  it('inserts the text it is given, not a new serialisation of the events', async () => {
    const events = [event(10)];
    const lines = toJsonLines([metricEventJson({ ...events[0]!, metricValue: 5 })]);
    await new MetricEventStore(client, 'withJson').insert(events, [lines]);
    expect((await rowsOf('withJson')).find((r) => r.eventId === 'e10')?.metricValue).toBe(5);
  });

  it('serialises the events itself when the blocks do not hold one row per event', async () => {
    await ensureMetricEventTable(client, 'shortBlocks');
    const events = Array.from({ length: 3 }, (_, i) => event(i + 21));
    const short = toJsonLines(events.slice(0, 2).map(metricEventJson));
    await new MetricEventStore(client, 'shortBlocks').insert(events, [short]);
    expect((await rowsOf('shortBlocks')).map((r) => r.eventId)).toEqual(['e21', 'e22', 'e23']);
  });

  it('sends the same rows through a client without the embedded insert (a server, or a wrapper that hides it)', async () => {
    await ensureMetricEventTable(client, 'throughExec');
    const plain = new Proxy(client, {
      get: (target, prop) => {
        if (prop === INSERT_JSON_LINES) return undefined;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const events = Array.from({ length: 5 }, (_, i) => event(i + 1));
    await new MetricEventStore(plain, 'throughExec', 3).insert(events, [
      toJsonLines(events.map(metricEventJson)),
    ]);
    expect(await rowsOf('throughExec')).toEqual(await rowsOf('withoutJson'));
  });

  it('refuses for good what the table can never take, naming the ClickHouse error', async () => {
    // The host's table except for one column type: an Int64 id does not parse as a UUID.
    await client.command({
      query: metricEventTableDdl('wrongType').replace('entityId Int64', 'entityId UUID'),
    });
    const refused = await new MetricEventStore(client, 'wrongType').insert([event(1)]).catch((e) => e);
    expect(refused).toMatchObject({ code: 'EB_SINK_REJECTED', retriable: false });
    expect(refused.message).toMatch(/insert of 1 rows into wrongType failed \(CANNOT_PARSE_[A-Z_]+\)/);
    const missing = await new MetricEventStore(client, 'noSuchTable').insert([event(1)]).catch((e) => e);
    expect(missing).toMatchObject({ code: 'EB_SINK_REJECTED', retriable: false });
    expect(missing.message).toContain('(UNKNOWN_TABLE)');
  });
});
