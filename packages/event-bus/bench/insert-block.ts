// How long one embedded-ClickHouse (chDB) insert holds the event loop, per chunk size of MetricEventStore.
//   npx tsx --conditions=source packages/event-bus/bench/insert-block.ts [--rows 60000] [--chunks 5000,20000,60000] [--rounds 3]
// The store hands chDB (3.4) each chunk as JSONEachRow bytes, parsed on chDB's own threads; the event loop
// joins the rows' text and copies it into a Buffer, so a chunk is a stall of the consumer and the apply stage
// (the Kafka-append → Redis latency) that grows with its size. Sizes are alternated in each round, so they
// share the machine's state; the printed figures are the longest and the median stall (timer lateness sampled
// every 1 ms), and per 1,000 rows the wall time and the process CPU (chDB's threads included).
// No stack needed: a temp chDB directory.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { metricEventJson } from '../src/metrics/metric-event-row.js';
import { MetricEventStore } from '../src/sinks/clickhouse/metric-event-store.js';
import { ensureMetricEventTable } from '../src/sinks/clickhouse/schema.js';
import { openTempChDB } from '../test/temp-chdb.js';
import { flag } from './bench-kit.js';

const rows = Number(flag('rows') ?? 60_000);
const chunks = (flag('chunks') ?? '5000,20000,60000').split(',').map(Number);
const rounds = Number(flag('rounds') ?? 3);

const client = await openTempChDB('insert-block');
await ensureMetricEventTable(client);
let seq = 0;
const batch = (): { events: EntityMetricEvent[]; json: string[] } => {
  const events = Array.from({ length: rows }, (_, i) => ({
    eventId: `e${seq}-${i}`,
    entityType: 'Image',
    entityId: i % 5_000,
    userId: i % 977,
    metricType: 'reactionLike',
    metricValue: 1,
    createdAt: new Date(1_780_000_000_000 + i),
    origin: `bench:${i % 3}`,
    originSeq: ++seq,
  }));
  return { events, json: events.map(metricEventJson) };
};

for (let round = 0; round < rounds; round++) {
  for (const chunkRows of chunks) {
    const { events, json } = batch();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await new MetricEventStore(client, 'entityMetricEvents', chunkRows).insert(events, json);
    const ms = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    delay.disable();
    console.log(
      `round ${round + 1} chunk ${chunkRows} rows: longest stall ${(delay.max / 1e6).toFixed(0)} ms, ` +
        `median ${(delay.percentile(50) / 1e6).toFixed(1)} ms; per 1,000 rows ${((ms / rows) * 1_000).toFixed(1)} ms ` +
        `wall, ${((user + system) / rows).toFixed(1)} ms process CPU`,
    );
  }
}
await client.close();
