// Events/s of the full listener set (every plugin of this package) on realistic traffic, through the
// production ingest and apply stages of `startTestHost` (decode → dispatch → buffer → store → publish →
// cache), with in-memory sinks and in-memory lookups (so this measures the listeners, not Postgres):
//   npx tsx --conditions=source packages/metric-listeners/bench/listeners-throughput.ts [changes] [batch]
// `batch` changes are sent per host.send (one Kafka batch); with PREFETCH=1 each batch is first given to
// every listener's `prefetch`, as the proposed per-batch hook would. Prints changes/s, metric events/s and
// lookup queries per 1,000 changes.
import { startTestHost } from '@engagement/event-bus/testing';
import { appDecoder } from '../src/__fixtures__/clickhouse-rows.js';
import { realisticTraffic } from '../src/__fixtures__/realistic-traffic.js';
import { trafficLookups } from '../src/__fixtures__/traffic-lookups.js';
import { syntheticWorld } from '../src/__fixtures__/traffic-world.js';
import { plugins } from '../src/index.js';

const changes = Number(process.argv[2] ?? 50_000);
const batchSize = Number(process.argv[3] ?? 500);
const prefetch = process.env.PREFETCH === '1';

const world = syntheticWorld();
const traffic = realisticTraffic(world, changes, 7);
const lookups = trafficLookups(world);
const host = await startTestHost({ plugins, overrides: lookups.overrides, decoder: appDecoder });

// Warm-up (JIT, caches of the decoder), then a fresh host and fresh lookups for the measured run.
await host.send(...traffic.slice(0, 2_000));
await host.flush();

const measured = trafficLookups(world);
const run = await startTestHost({ plugins, overrides: measured.overrides, decoder: appDecoder });
const started = performance.now();
let prefetchMs = 0;
for (let i = 0; i < traffic.length; i += batchSize) {
  const batch = traffic.slice(i, i + batchSize);
  if (prefetch) {
    const t = performance.now();
    await measured.prefetch(batch.map((c) => c.event));
    prefetchMs += performance.now() - t;
  }
  await run.send(...batch);
  if ((i / batchSize) % 20 === 19) await run.flush();
}
await run.flush();
const seconds = (performance.now() - started) / 1000;
const metricEvents = run.published.length;
const queries = measured.queries();

console.log(
  JSON.stringify({
    changes,
    batchSize,
    prefetch,
    seconds: Number(seconds.toFixed(2)),
    changesPerSecond: Math.round(changes / seconds),
    metricEventsPerSecond: Math.round(metricEvents / seconds),
    metricEventsPerChange: Number((metricEvents / changes).toFixed(2)),
    deadLetters: run.deadLetters.letters.length,
    lookupQueries: queries,
    lookupQueriesPer1000Changes: Number(((queries.total / changes) * 1000).toFixed(1)),
    prefetchSeconds: Number((prefetchMs / 1000).toFixed(2)),
  }),
);
