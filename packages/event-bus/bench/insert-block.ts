// How long one embedded-ClickHouse (chDB) insert holds the event loop, per chunk size of MetricEventStore.
//   npx tsx --conditions=source packages/event-bus/bench/insert-block.ts [--rows 60000] [--chunks 5000,20000,60000] [--rounds 3] [--block 100]
// The store hands chDB (3.4) each insert as JSONEachRow bytes, parsed on chDB's own threads. "chunk N": the
// store serialises the events itself, N rows per insert, joining and encoding each chunk on the event loop (a
// stall of the consumer and the apply stage, i.e. the Kafka-append → Redis latency, that grows with N).
// "buffered": the rows as the ingest stage hands them over, written to a JsonLinesBuffer --block rows at a
// time (one processed batch each; not timed) and inserted a segment at a time. Sizes are alternated in each round, so they
// share the machine's state; the printed figures are the longest and the median stall (timer lateness sampled
// every 1 ms), and per 1,000 rows the wall time and the process CPU (chDB's threads included).
// No stack needed: a temp chDB directory.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { JsonLinesBuffer } from '../src/metrics/json-lines.js';
import { metricEventJson } from '../src/metrics/metric-event-row.js';
import { MetricEventStore } from '../src/sinks/clickhouse/metric-event-store.js';
import { ensureMetricEventTable } from '../src/sinks/clickhouse/schema.js';
import { openTempChDB } from '../test/temp-chdb.js';
import { flag } from './bench-kit.js';

const rows = Number(flag('rows') ?? 60_000);
const chunks = (flag('chunks') ?? '5000,20000,60000').split(',').map(Number);
const rounds = Number(flag('rounds') ?? 3);
const blockRows = Number(flag('block') ?? 100);

const client = await openTempChDB('insert-block');
await ensureMetricEventTable(client);
let seq = 0;
const batch = (): { events: EntityMetricEvent[]; lines: JsonLinesBuffer } => {
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
  const json = events.map(metricEventJson);
  const lines = new JsonLinesBuffer();
  for (let i = 0; i < rows; i += blockRows) lines.append(json.slice(i, i + blockRows));
  return { events, lines };
};

for (let round = 0; round < rounds; round++) {
  for (const chunkRows of [...chunks, 0]) {
    const { events, lines } = batch();
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const cpu = process.cpuUsage();
    const started = performance.now();
    if (chunkRows > 0) await new MetricEventStore(client, 'entityMetricEvents', chunkRows).insert(events);
    else await new MetricEventStore(client).insert(events, lines.take());
    const ms = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    delay.disable();
    console.log(
      `round ${round + 1} ${chunkRows > 0 ? `chunk ${chunkRows} rows` : 'buffered'}: longest stall ${(delay.max / 1e6).toFixed(0)} ms, ` +
        `median ${(delay.percentile(50) / 1e6).toFixed(1)} ms; per 1,000 rows ${((ms / rows) * 1_000).toFixed(1)} ms ` +
        `wall, ${((user + system) / rows).toFixed(1)} ms process CPU`,
    );
  }
}
await client.close();
