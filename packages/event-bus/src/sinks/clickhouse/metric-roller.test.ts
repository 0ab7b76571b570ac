import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { interceptClient, openTempChDB } from '../../../test/temp-chdb.js';
import type { InstrumentationEvent } from '../../runtime/instrumentation.js';
import { MetricEventStore } from './metric-event-store.js';
import { MetricRoller } from './metric-roller.js';
import { readRollState } from './roll-state.js';
import { rollupTables } from './rollup-schema.js';
import { ensureMetricEventTable } from './schema.js';

// The roller reports how each roll and compaction ended (real embedded ClickHouse), for the host's series.
let client: ClickHouseClient;
beforeAll(async () => {
  client = await openTempChDB('metric-roller');
});
afterAll(async () => {
  await client?.close();
});

/** A like of Model 1 at `originSeq` of origin `o:0`. */
const like = (eventId: string, originSeq: number): EntityMetricEvent => ({
  eventId,
  entityType: 'Model',
  entityId: 1,
  userId: 0,
  metricType: 'likeCount',
  metricValue: 1,
  createdAt: new Date('2025-06-15T12:00:00Z'),
  origin: 'o:0',
  originSeq,
});

describe('MetricRoller', () => {
  it('reports every roll and compaction with its outcome: committed, idle, failed', async () => {
    const table = 'rolledEvents';
    await ensureMetricEventTable(client, table);
    await new MetricEventStore(client, table).insert([0, 1].map((i) => like(`r${i}`, i)));
    const events: InstrumentationEvent[] = [];
    const roller = new MetricRoller(client, { table, compactEvery: 1 }, undefined, (e) => events.push(e));
    await roller.rollNow();
    // A compaction after the committed roll: one row per key and day already, so nothing to fold. Then
    // the daily table's parts: the roll wrote one.
    expect(events.map((e) => [e.type, 'outcome' in e ? e.outcome : undefined])).toEqual([
      ['rollup.rolled', 'committed'],
      ['rollup.compacted', 'idle'],
      ['rollup.parts', undefined],
    ]);
    expect(events[2]).toEqual({ type: 'rollup.parts', daily: 1 });

    const broken = interceptClient(client, 'query', () => async () => {
      throw new Error('ClickHouse is down');
    });
    events.length = 0;
    await new MetricRoller(broken, { table }, undefined, (e) => events.push(e)).rollNow();
    expect(events).toMatchObject([{ type: 'rollup.rolled', outcome: 'failed' }]);
    expect((events[0] as { seconds: number }).seconds).toBeGreaterThanOrEqual(0);
  });

  it("steps aside while another host's roll is younger than the gap, and its timer's gap is half the interval", async () => {
    const table = 'fleetEvents';
    await ensureMetricEventTable(client, table);
    const store = new MetricEventStore(client, table);
    const insert = (seq: number) => store.insert([like(`f${seq}`, seq)]);
    const events: InstrumentationEvent[] = [];
    const hostA = new MetricRoller(client, { table }, undefined, (e) => events.push(e));
    const hostB = new MetricRoller(client, { table }, undefined, (e) => events.push(e));
    await insert(0);
    expect((await hostA.rollNow())?.committed).toBe(true);
    const head = (await readRollState(client, table))!;

    await insert(1);
    const aside = await hostB.rollNow({ table, minGapMs: 60_000 });
    expect(aside).toMatchObject({ committed: false, gen: 0 });
    const after = (await readRollState(client, table))!;
    expect(after.maxGen, 'nothing written, not even a begin row').toBe(head.maxGen);
    expect(after.head!.gen).toBe(head.head!.gen);

    // Once the head is older than the gap, the same host rolls.
    await new Promise((r) => setTimeout(r, 50));
    expect((await hostB.rollNow({ table, minGapMs: 20 }))?.committed).toBe(true);
    expect(events.flatMap((e) => ('outcome' in e ? [e.outcome] : []))).toEqual([
      'committed',
      'idle',
      'committed',
    ]);

    // Another host's roll begun on the head and still running: a host steps aside for the gap after its start,
    // though the head itself is older than the gap.
    await new Promise((r) => setTimeout(r, 1_100));
    const running = (await readRollState(client, table))!;
    const rolls = rollupTables(table).rolls;
    const runningGen = running.maxGen + 1;
    await client.command({
      query: `INSERT INTO ${rolls} (gen, phase, base, cuts, at, events, rows)
SELECT ${runningGen}, 'begin', ${running.head!.gen}, map(), now64(3), 0, 0`,
    });
    await insert(2);
    expect(await hostA.rollNow({ table, minGapMs: 1_000 })).toMatchObject({ committed: false, gen: 0 });
    await client.command({
      query: `ALTER TABLE ${rolls} UPDATE at = at - INTERVAL 2 SECOND WHERE gen = ${runningGen}`,
      clickhouse_settings: { mutations_sync: '2' },
    });
    expect((await hostA.rollNow({ table, minGapMs: 1_000 }))?.committed).toBe(true);

    // The timer passes half its interval as the gap; a direct rollNow() rolls whenever the head began.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const timed = new MetricRoller(client, { table, intervalMs: 10_000 });
      const rollNow = vi.spyOn(timed, 'rollNow').mockResolvedValue(undefined);
      timed.start();
      vi.advanceTimersByTime(10_000);
      expect(rollNow).toHaveBeenCalledWith(expect.objectContaining({ table, minGapMs: 5_000 }));
      await timed.stop();
    } finally {
      vi.useRealTimers();
    }
    // A dozen embedded-engine queries, a mutation and a 1.1 s wait: over the default 5 s on a loaded machine.
  }, 30_000);
});
