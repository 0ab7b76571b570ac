// `npm start`: the local stack, the event pipeline with this repo's plugins, and sample traffic.
// Stand-in for services/event-host until that service lands; Ctrl-C stops everything it started.
import { createDecoder } from '@engagement/event-bus';
import { createEventPipeline } from '@engagement/event-bus/kafka';
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { plugins } from '@engagement/metric-listeners';
import { Redis } from 'ioredis';
import pg from 'pg';
import { stackDown, stackStatus, stackUp } from '../infra/stack/index.js';
import { runSampleTraffic } from './sample-traffic.js';

const wasUp = (await stackStatus()).every((s) => s.state !== 'down');
const env = await stackUp();
const prefix = env.DEBEZIUM_TOPIC_PREFIX ?? 'app';
const tables = [...new Set(plugins.flatMap((p) => p.listeners.flatMap((l) => l.tables ?? [])))];
const redis = new Redis(env.REDIS_URL!);
const clickhouse = await openClickHouse(
  env.CLICKHOUSE_URL ? { url: env.CLICKHOUSE_URL } : { path: env.CLICKHOUSE_PATH! },
);
const pipeline = await createEventPipeline({
  brokers: env.KAFKA_BROKERS!.split(','),
  groupId: 'event-host-local',
  plugins,
  decode: createDecoder({ debezium: { topicPrefix: prefix } }),
  sourceTopics: tables.map((t) => `${prefix}.public.${t}`),
  createTopics: tables.map((t) => `${prefix}.public.${t}`),
  clickhouse,
  redis,
  flushIntervalMs: 2_000,
  searchIndexes: { Image: 'images', Post: 'posts', Model: 'models' },
});
await pipeline.start();

const db = new pg.Client({ connectionString: env.POSTGRES_URL });
await db.connect();
const stop = new AbortController();
const traffic = runSampleTraffic(db, 50, stop.signal);
console.log(
  `pipeline running on ${tables.length} table(s); sample traffic at ~50 changes/s. Ctrl-C to stop.`,
);

let last = { consumed: 0, at: Date.now() };
const ticker = setInterval(() => {
  const s = pipeline.stats;
  const rate = ((s.consumed - last.consumed) * 1000) / (Date.now() - last.at);
  last = { consumed: s.consumed, at: Date.now() };
  process.stdout.write(
    `\r${rate.toFixed(0).padStart(5)} changes/s | consumed ${s.consumed} | metric events stored ${s.metricEventsStored}` +
      ` | cache events applied ${s.cacheEventsApplied} | dead letters ${s.deadLetters}   `,
  );
}, 1_000);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log('\nstopping…');
    clearInterval(ticker);
    stop.abort();
    await traffic.catch(() => undefined);
    await db.end();
    await pipeline.close();
    redis.disconnect();
    await clickhouse.close();
    if (!wasUp) await stackDown();
    process.exit(0);
  });
}
