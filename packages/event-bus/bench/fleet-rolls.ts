// How a fleet of hosts rolls one table: N rollers (each a MetricRoller with its own client, as N hosts have)
// on the stack's ClickHouse server, timers spread over the interval, while events are inserted for 50 busy
// entities. Run with the local stack up:
//   npx tsx --conditions=source packages/event-bus/bench/fleet-rolls.ts [hosts=8] [seconds=30] [intervalMs=1000]
// Each run goes twice on fresh tables: `no gap` (every timer rolls, as before 2026-12-05) and `gap` (the
// roller's default: a timer's roll steps aside while the head, or a roll running on it, is younger than half
// the interval). Printed per run: rolls by outcome, the time they took, the daily rows per entity and metric,
// and the off-chain gens every read then carries (`excluded`). docs/reading-metrics.md, "The read rollup".

import { readStackEnv } from '../../../infra/stack/env.js';
import type { InstrumentationEvent } from '../src/runtime/instrumentation.js';
import {
  ensureMetricEventTable,
  MetricEventStore,
  MetricRoller,
  openClickHouse,
  readRollState,
  rollupTables,
} from '../src/sinks/clickhouse/index.js';
import { sleep } from './bench-kit.js';

const url = readStackEnv().CLICKHOUSE_URL!;
const [hosts = 8, seconds = 30, intervalMs = 1_000] = process.argv.slice(2).map(Number);

for (const gap of [false, true]) {
  const table = `fleet_${gap ? 'gap' : 'nogap'}_${Date.now().toString(36)}`;
  const admin = await openClickHouse({ url });
  await ensureMetricEventTable(admin, table);
  const store = new MetricEventStore(admin, table);
  const events: InstrumentationEvent[] = [];
  const rollers: MetricRoller[] = [];
  for (let h = 0; h < hosts; h++) {
    const client = await openClickHouse({ url });
    const options = { table, intervalMs, compactEvery: 0, ...(gap ? {} : { minGapMs: 0 }) };
    const roller = new MetricRoller(client, options, undefined, (e) => events.push(e));
    await sleep(intervalMs / hosts);
    roller.start();
    rollers.push(roller);
  }
  let seq = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    const batch = Array.from({ length: 200 }, () => ({
      eventId: `e${seq}`,
      entityType: 'Model',
      entityId: (seq % 50) + 1,
      userId: 0,
      metricType: 'likeCount',
      metricValue: 1,
      createdAt: new Date(),
      origin: 'o:0',
      originSeq: seq++,
    }));
    await store.insert(batch);
    await sleep(100);
  }
  for (const roller of rollers) await roller.stop();
  const rolls = events.filter((e) => e.type === 'rollup.rolled');
  const outcomes = ['committed', 'lost', 'idle', 'failed'].map(
    (o) => `${rolls.filter((e) => 'outcome' in e && e.outcome === o).length} ${o}`,
  );
  const rollSeconds = rolls.reduce((s, e) => s + ('seconds' in e ? e.seconds : 0), 0);
  const t = rollupTables(table);
  const [daily] = await (
    await admin.query({
      query: `SELECT count() AS n, uniqExact(entityId, metricType, day) AS k FROM ${t.daily}`,
      format: 'JSONEachRow',
    })
  ).json<{ n: string; k: string }>();
  const state = (await readRollState(admin, table))!;
  console.log(
    `${gap ? 'gap   ' : 'no gap'}: ${hosts} hosts, ${seconds} s, every ${intervalMs} ms: rolls ${outcomes.join(', ')}; ` +
      `${rollSeconds.toFixed(1)} s rolling; daily rows per key ${(Number(daily!.n) / Number(daily!.k)).toFixed(1)}; ` +
      `excluded ${state.excluded.length}`,
  );
  await admin.command({ query: `DROP TABLE IF EXISTS ${t.mv}` });
  for (const name of [table, t.recent, t.daily, t.rolls])
    await admin.command({ query: `DROP TABLE ${name}` });
  await admin.close();
}
process.exit(0);
