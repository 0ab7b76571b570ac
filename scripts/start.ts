// `npm start`: the local stack, the event host with this repo's plugins, sample traffic, and a live summary.
// Ctrl-C stops everything it started (the stack only if it was not running before and no test run or other
// `npm start` uses it by then).
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ClickHouseRowPublisher } from '@engagement/app-db/clickhouse';
import { createMetricReader } from '@engagement/event-bus/reader';
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import {
  clickhouseOptions,
  createEventHost,
  exitCodeOf,
  exitOnShutdownSignal,
  HostError,
  loadConfig,
  SETTINGS,
} from '@engagement/event-host';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { joinStack, leaveStack, StackError, stackUp } from '../infra/stack/index.js';
import { runSampleTraffic, type SampleTrafficStats } from './sample-traffic.js';

const seconds = () => process.uptime().toFixed(1);
console.log(`[start] bringing the local stack up (${seconds()} s)`);
// Refused beside a test run, whose outages and crashes would break this run's host and the other way round.
await joinStack('npm start').catch((err) => {
  if (!(err instanceof StackError)) throw err;
  console.error(`[start] ${err.message}`);
  process.exit(1);
});
// Until the host's own shutdown handling is in place below, a Ctrl-C (or SIGTERM) is noted: the step under
// way finishes, then what this run started is stopped. Without this, a signal while the stack comes up
// (up to a minute) ended this process and left the stack's servers running.
let interrupted: NodeJS.Signals | undefined;
const noteSignal = (signal: NodeJS.Signals) => {
  if (!interrupted) console.log(`\n[start] ${signal}: stopping once the step under way is done…`);
  interrupted ??= signal;
};
process.on('SIGINT', noteSignal).on('SIGTERM', noteSignal);
const stack = await stackUp().catch(async (err) => {
  // A part that failed to start: stop the ones that did, if this run started them.
  const stackStopped = await leaveStack();
  // The signal reaches the stack's helper commands too (they share the terminal's process group), so a part
  // may fail because of it: that is the stop asked for, not an error to report.
  if (interrupted) stoppedBeforeHost(stackStopped);
  throw err;
});
if (interrupted) stoppedBeforeHost(await leaveStack());

/**
 * A refused setting or a dependency down at boot: its message and exit code (78 for configuration), as
 * `event-host start` reports them, instead of a stack trace; the stack goes down if this run brought it up.
 */
async function failedBeforeHost(err: unknown): Promise<never> {
  if (!(err instanceof HostError)) throw err;
  console.error(`[start] ${err.message}`);
  await leaveStack();
  process.exit(exitCodeOf(err));
}

function stoppedBeforeHost(stackStopped = false): never {
  console.log(`[start] stopped before the host started${stackStopped ? ', stack down' : ''}`);
  process.exit(130);
}

// The host reads EVENT_HOST_* settings; the local defaults come from the stack, and the caller's own
// EVENT_HOST_* variables win (e.g. EVENT_HOST_WORKERS=2 npm start).
const own = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('EVENT_HOST_')));
const env: Record<string, string | undefined> = {
  EVENT_HOST_KAFKA_BROKERS: stack.KAFKA_BROKERS,
  EVENT_HOST_KAFKA_GROUP_ID: 'event-host-local',
  EVENT_HOST_DEBEZIUM_TOPIC_PREFIX: stack.DEBEZIUM_TOPIC_PREFIX ?? 'app',
  EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
  EVENT_HOST_REDIS_URL: stack.REDIS_URL,
  EVENT_HOST_POSTGRES_URL: stack.POSTGRES_URL,
  // The stack's ClickHouse is a server (the served chDB engine, or a remote one): other processes
  // (`metrics drift`, the app's reader, `npm run stack -- sql`) can read it while the host writes.
  // An own EVENT_HOST_CLICKHOUSE_PATH (a private embedded engine) replaces it; both would be refused.
  ...(own.EVENT_HOST_CLICKHOUSE_PATH ? {} : { EVENT_HOST_CLICKHOUSE_URL: stack.CLICKHOUSE_URL }),
  // A real Meilisearch, when the stack was given one: the host then runs search-sync against it.
  ...(stack.MEILISEARCH_URL
    ? {
        EVENT_HOST_MEILISEARCH_URL: stack.MEILISEARCH_URL,
        EVENT_HOST_MEILISEARCH_KEY: process.env.MEILISEARCH_KEY,
      }
    : {}),
  EVENT_HOST_BATCH_FLUSH_INTERVAL_MS: '2000',
  EVENT_HOST_HTTP_HOST: '127.0.0.1',
  EVENT_HOST_HTTP_PORT: String(await portOr(9464)),
  EVENT_HOST_LOG_LEVEL: 'warn',
  EVENT_HOST_LOG_PRETTY: 'true',
  ...own,
};
const config = await Promise.resolve()
  .then(() => loadConfig({ env, purpose: 'start' }))
  .catch(failedBeforeHost);
const cliSettings = writeCliSettings(env);
// One client for the host, the reader and the traffic's row publisher (EVENT_HOST_CLICKHOUSE_PATH still
// selects an embedded engine in this process).
const clickhouse = await openClickHouse(clickhouseOptions(config));
const host = await createEventHost({ config, clickhouse }).catch(failedBeforeHost);
await host.start().catch(failedBeforeHost);
console.log(`[start] host started (${seconds()} s): status page ${host.url}/  metrics ${host.url}/metrics`);
console.log(
  `[start] in another terminal, \`npx event-host metrics drift\` (or any command) uses ${cliSettings}`,
);

// Sample traffic in Postgres; like the app, read metrics of some entities now and then, which fills their
// cached hashes, so that the cache updates below have hashes to increment.
const db = new pg.Client({ connectionString: stack.POSTGRES_URL });
await db.connect();
const redis = new Redis(stack.REDIS_URL!);
// The sample reads' own client: the host reports a Redis outage (sink.redis.failing, /readyz), so this one
// stays quiet instead of printing ioredis's "Unhandled error event" lines every reconnect.
redis.on('error', () => undefined);
const reader = createMetricReader({ redis, clickhouse });
// ClickHouse-sourced rows (downloads, generation jobs, compensation) are written to the stack's ClickHouse
// and published to their topics, as the Kafka-engine export does in production.
const producer = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).producer();
await producer.connect();
const publisher = new ClickHouseRowPublisher({ clickhouse, producer });
const traffic: SampleTrafficStats = { changes: 0, byOperation: {} };
const stop = new AbortController();
let world: { images: number[]; posts: number[]; models: number[] } | undefined;
const running = runSampleTraffic(db, 50, stop.signal, {
  stats: traffic,
  publisher,
  onWorld: (w) => {
    world = w;
  },
}).catch((err) => console.error(`\n[start] sample traffic stopped: ${err.message}`));
const readSome = setInterval(() => {
  if (!world) return;
  const reads = [
    { entityType: 'Image', entityIds: world.images.slice(0, 50), metrics: ['likeCount', 'reactionCount'] },
    { entityType: 'Post', entityIds: world.posts.slice(0, 20), metrics: ['likeCount', 'commentCount'] },
    { entityType: 'Model', entityIds: world.models.slice(0, 20), metrics: ['rating', 'downloadCount'] },
  ];
  for (const r of reads) void reader.getMetrics({ ...r, timeframes: ['all', 'day'] }).catch(() => undefined);
}, 5_000);
console.log('[start] sample traffic at ~50 changes/s. Ctrl-C stops everything this started.');

let firstEvents = false;
const ticker = setInterval(async () => {
  const s = host.pipeline.stats;
  if (!firstEvents && s.metricEventsStored > 0) {
    firstEvents = true;
    console.log(`\n[start] first metric events stored ${seconds()} s after npm start`);
  }
  // The status page's figures (one rate function, same window), so both show the same number.
  const status = await host.status();
  const { consumedPerSecond, windowSeconds } = status.rates;
  process.stdout.write(
    `\r${consumedPerSecond.toFixed(1).padStart(6)} changes/s (last ${windowSeconds} s) | lag ${status.lagByTopic.total ?? '?'} | metric events written ${s.metricEventsStored}` +
      ` | cache updates ${s.cacheKeysUpdated} | dead letters ${s.deadLetters} | traffic ${traffic.changes} | ${host.url}/   `,
  );
}, 1_000);

process.off('SIGINT', noteSignal).off('SIGTERM', noteSignal);
const stopped = exitOnShutdownSignal(
  {
    async stop() {
      clearInterval(ticker);
      clearInterval(readSome);
      console.log('\n[start] stopping…');
      stop.abort();
      await running;
      await producer.disconnect();
      await db.end();
      redis.disconnect();
      const result = await host.stop();
      await clickhouse.close();
      const stackStopped = await leaveStack();
      console.log(
        `[start] stopped${stackStopped ? ', stack down' : ' (the stack keeps running: started before, or still in use)'}`,
      );
      return result;
    },
    abort: () => host.abort(),
  },
  { deadlineMs: 60_000, logger: host.logger },
);
// A signal noted while the host started stops it now, the usual way.
if (interrupted) process.kill(process.pid, interrupted);
process.exit(await stopped);

/** `preferred` when it is free, else any free port (a second `npm start`, or another service on 9464). */
async function portOr(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => {
        const bound = (server.address() as { port: number }).port;
        server.close(() => resolve(bound));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

/**
 * Writes this host's settings as an event-host config file in the stack directory, so that the CLI run from
 * the repository (`npx event-host ...`) reaches the same stack while this host runs. Its own HTTP port is
 * left out: a second `event-host start` picks its own.
 */
function writeCliSettings(settings: Record<string, string | undefined>): string {
  const file: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const value = settings[setting.env];
    if (value === undefined || setting.env === 'EVENT_HOST_HTTP_PORT') continue;
    const keys = setting.path.split('.');
    let section = file;
    for (const key of keys.slice(0, -1)) {
      section[key] ??= {};
      section = section[key] as Record<string, unknown>;
    }
    section[keys.at(-1) as string] = value;
  }
  const path = join(stack.STACK_DIR as string, 'event-host.json');
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}
