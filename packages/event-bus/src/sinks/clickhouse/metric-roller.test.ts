import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interceptClient, openTempChDB } from '../../../test/temp-chdb.js';
import type { InstrumentationEvent } from '../../runtime/instrumentation.js';
import { MetricEventStore } from './metric-event-store.js';
import { MetricRoller } from './metric-roller.js';
import { ensureMetricEventTable } from './schema.js';

// The roller reports how each roll and compaction ended (real embedded ClickHouse), for the host's series.
let client: ClickHouseClient;
beforeAll(async () => {
  client = await openTempChDB('metric-roller');
});
afterAll(async () => {
  await client?.close();
});

describe('MetricRoller', () => {
  it('reports every roll and compaction with its outcome: committed, idle, failed', async () => {
    const table = 'rolledEvents';
    await ensureMetricEventTable(client, table);
    await new MetricEventStore(client, table).insert(
      [0, 1].map((i) => ({
        eventId: `r${i}`,
        entityType: 'Model',
        entityId: 1,
        userId: 0,
        metricType: 'likeCount',
        metricValue: 1,
        createdAt: new Date('2025-06-15T12:00:00Z'),
        origin: 'o:0',
        originSeq: i,
      })),
    );
    const events: InstrumentationEvent[] = [];
    const roller = new MetricRoller(client, { table, compactEvery: 1 }, undefined, (e) => events.push(e));
    await roller.rollNow();
    // A compaction after the committed roll: one row per key and day already, so nothing to fold.
    expect(events.map((e) => [e.type, 'outcome' in e ? e.outcome : undefined])).toEqual([
      ['rollup.rolled', 'committed'],
      ['rollup.compacted', 'idle'],
    ]);

    const broken = interceptClient(client, 'query', () => async () => {
      throw new Error('ClickHouse is down');
    });
    events.length = 0;
    await new MetricRoller(broken, { table }, undefined, (e) => events.push(e)).rollNow();
    expect(events).toMatchObject([{ type: 'rollup.rolled', outcome: 'failed' }]);
    expect((events[0] as { seconds: number }).seconds).toBeGreaterThanOrEqual(0);
  });
});
