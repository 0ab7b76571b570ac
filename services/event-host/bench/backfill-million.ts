// Backfill at a million source rows on the local stack (not a test: it prints figures). Writes history the
// host never streamed: ~60% of the rows into Postgres source tables (image reactions, reviews, collection
// items; one generate_series INSERT each), ~40% as ClickHouse download rows, all dated over the past year;
// waits until Debezium has put the Postgres rows on Kafka and starts a fresh consumer group at the topics'
// end (the history is before go-live), then runs `event-host backfill` in a child process (wall time, peak
// RSS from /proc) and `metrics reconcile --sample 1000` after it. The rows stay: reset the stack afterwards
// (`npm run stack -- reset`) before tests that scan every entity (backfill, periodic reconcile).
//
//   npm run stack -- up
//   npx tsx --conditions=source services/event-host/bench/backfill-million.ts [rows] [--batch-size N]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { clickhouseSourceRoutes } from '@engagement/app-db/clickhouse';
import { toClickHouseTime } from '@engagement/event-bus/sinks/clickhouse';
import { startGroupAtEnd } from '@engagement/event-bus/testing';
import { plugins } from '@engagement/metric-listeners';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { openClickHouse, readStackEnv } from '../../../infra/stack/index.js';
import { loadConfig } from '../src/config/load-config.js';
import { sourceTopicsOf } from '../src/deployment/source-topics.js';
import { resolveSlot } from '../src/reconcile/catch-up.js';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv.splice(i, 2)[1] : undefined;
};
const batchSize = flag('--batch-size') ?? '500';
const rows = Number(argv[0] ?? 1_000_000);
const run = `${Date.now().toString(36)}`;
const stack = readStackEnv();
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

// Shape: rows split 40% reactions, 10% reviews, 10% collection items, 40% downloads.
const users = 2_000;
const images = Math.max(100, Math.round((0.4 * rows) / 20)); // 20 reactions each
const versions = Math.max(50, Math.round((0.1 * rows) / 50)); // 50 reviews each (2 versions per model)
const collections = Math.max(50, Math.round((0.1 * rows) / 50)); // 50 items each
const downloads = Math.round(0.4 * rows);

const prefix = `bench-backfill-${run}`;
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  EVENT_HOST_KAFKA_BROKERS: stack.KAFKA_BROKERS!,
  EVENT_HOST_KAFKA_CLIENT_ID: prefix,
  EVENT_HOST_KAFKA_GROUP_ID: `${prefix}-group`,
  EVENT_HOST_KAFKA_METRIC_TOPIC: `${prefix}.metric-events`,
  EVENT_HOST_DEBEZIUM_TOPIC_PREFIX: stack.DEBEZIUM_TOPIC_PREFIX ?? 'app',
  EVENT_HOST_SOURCES_CLICKHOUSE_TOPICS: JSON.stringify(clickhouseSourceRoutes(`${prefix}.ch`)),
  EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
  EVENT_HOST_POSTGRES_URL: stack.POSTGRES_URL!,
  EVENT_HOST_REDIS_URL: `${stack.REDIS_URL}/13`,
  EVENT_HOST_CLICKHOUSE_URL: stack.CLICKHOUSE_URL!,
  EVENT_HOST_CACHE_SCOPE: prefix,
  EVENT_HOST_LOG_LEVEL: 'warn',
  EVENT_HOST_RECONCILE_CLICKHOUSE_SETTLE_MS: '3000',
  EVENT_HOST_RECONCILE_WAIT_MS: '600000',
};

const db = new pg.Client({ connectionString: stack.POSTGRES_URL });
await db.connect();
const clickhouse = await openClickHouse(stack);
const timed = async (what: string, work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  console.log(`  ${what}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
};

console.log(`backfill bench ${run}: ${rows} source rows; load average before ${load()}`);
const ids = async (sql: string, params: unknown[] = []) =>
  (await db.query<{ id: number }>(sql, params)).rows.map((r) => r.id);
let userIds: number[] = [];
let imageIds: number[] = [];
let versionRows: { id: number; modelId: number }[] = [];
await timed(
  `entities (${users} users, ${images} images, ${versions} versions, ${collections} collections)`,
  async () => {
    userIds = await ids(
      `INSERT INTO "User"(username) SELECT $1 || '-' || g FROM generate_series(1, $2) g RETURNING id`,
      [prefix, users],
    );
    imageIds = await ids(
      `INSERT INTO "Image"("userId") SELECT ($1::int[])[1 + g % $2] FROM generate_series(1, $3) g RETURNING id`,
      [userIds, users, images],
    );
    const models = await ids(
      `INSERT INTO "Model"(name, "userId") SELECT $1 || '-' || g, ($2::int[])[1 + g % $3] FROM generate_series(1, $4) g RETURNING id`,
      [prefix, userIds, users, Math.ceil(versions / 2)],
    );
    versionRows = (
      await db.query<{ id: number; modelId: number }>(
        `INSERT INTO "ModelVersion"("modelId", name) SELECT m, 'v' || k FROM unnest($1::int[]) m, generate_series(1, 2) k
       RETURNING id, "modelId"`,
        [models],
      )
    ).rows;
    await db.query(
      `INSERT INTO "Collection"(name, "userId") SELECT $1 || '-' || g, ($2::int[])[1 + g % $3] FROM generate_series(1, $4) g`,
      [prefix, userIds, users, collections],
    );
  },
);
const year = `now() - random() * interval '365 days'`;
await timed(`${images * 20} image reactions`, () =>
  db.query(
    `INSERT INTO "ImageReaction"("imageId", "userId", reaction, "createdAt")
     SELECT i, ($2::int[])[1 + (n * 20 + k) % $3], (ARRAY['Like','Heart','Laugh','Cry','Dislike']::"ReviewReactions"[])[1 + k % 5], ${year}
     FROM unnest($1::int[]) WITH ORDINALITY AS t(i, n), generate_series(0, 19) k`,
    [imageIds, userIds, users],
  ),
);
await timed(`${versionRows.length * 50} resource reviews`, () =>
  db.query(
    `INSERT INTO "ResourceReview"("modelId", "modelVersionId", "userId", rating, recommended, "createdAt")
     SELECT m, v, ($3::int[])[1 + (n * 50 + k) % $4], 1 + k % 5, k % 3 > 0, ${year}
     FROM unnest($1::int[], $2::int[]) WITH ORDINALITY AS t(v, m, n), generate_series(0, 49) k`,
    [versionRows.map((v) => v.id), versionRows.map((v) => v.modelId), userIds, users],
  ),
);
await timed(`${collections * 50} collection items`, () =>
  db.query(
    `INSERT INTO "CollectionItem"("collectionId", "imageId", "addedById", "createdAt")
     SELECT c.id, ($1::int[])[1 + ((c.id * 50 + k) % $2)], c."userId", ${year}
     FROM "Collection" c, generate_series(0, 49) k WHERE c.name LIKE $3 || '-%'`,
    [imageIds, imageIds.length, prefix],
  ),
);
await timed(`${downloads} ClickHouse download rows`, async () => {
  const nowMs = Date.now();
  for (let from = 0; from < downloads; from += 50_000) {
    const values = [];
    for (let n = from; n < Math.min(downloads, from + 50_000); n++) {
      const v = versionRows[n % versionRows.length]!;
      values.push({
        eventId: `${prefix}-${n}`,
        type: 'Download',
        time: toClickHouseTime(new Date(nowMs - 10_000 - Math.floor(Math.random() * 365 * 86_400_000))),
        userId: userIds[n % users]!,
        modelId: v.modelId,
        modelVersionId: v.id,
        nsfw: false,
        earlyAccess: false,
      });
    }
    await clickhouse.insert({ table: 'modelVersionEvents', values, format: 'JSONEachRow' });
  }
});
const written = images * 20 + versionRows.length * 50 + collections * 50 + downloads;

// The history is before go-live: Debezium puts it on Kafka, and the new group starts after it.
const config = loadConfig({ env });
await timed('Debezium streaming the history to Kafka', async () => {
  const { rows: lsn } = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const pool = new pg.Pool({ connectionString: stack.POSTGRES_URL, max: 1 });
  const slot = await resolveSlot(pool, config.debezium.slot);
  await pool.end();
  for (;;) {
    const { rows: r } = await db.query<{ passed: boolean }>(
      'SELECT confirmed_flush_lsn >= $1::pg_lsn AS passed FROM pg_replication_slots WHERE slot_name = $2',
      [lsn[0]!.lsn, slot],
    );
    if (r[0]?.passed) break;
    await new Promise((res) => setTimeout(res, 1_000));
  }
  const kafka = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  await startGroupAtEnd(kafka, config.kafka.groupId, sourceTopicsOf(config, plugins).create);
});

/** Runs `event-host <args>` from source as a child; its exit, stdout, wall seconds and peak RSS. */
function cli(args: string[]) {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, ...args], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (c) => {
    stdout += String(c);
  });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const m = readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {}
  }, 200);
  return new Promise<{ code: number | null; stdout: string; seconds: number; peakMb: number }>((resolve) =>
    child.once('exit', (code) => {
      clearInterval(poll);
      resolve({
        code,
        stdout,
        seconds: (performance.now() - started) / 1000,
        peakMb: Math.round(peakKb / 1024),
      });
    }),
  );
}

const loadBefore = load();
const bf = await cli(['backfill', '--batch-size', batchSize, '--json']);
if (bf.code !== 0) throw new Error(`backfill exited ${bf.code}`);
const report = JSON.parse(bf.stdout);
console.log(
  `backfill: ${written} source rows written by this bench (${report.truthRows} truth groups of ${report.entities} entities, the whole database) in ${bf.seconds.toFixed(1)} s (process wall time; ${report.seconds.toFixed(1)} s inside, of it ${report.catchUpSeconds.toFixed(1)} s waiting for the stream) = ${Math.round(written / bf.seconds)} source rows/s, ${Math.round(report.truthRows / bf.seconds)} truth groups/s; ${report.repaired.events} corrections; peak RSS ${bf.peakMb} MB; batch ${batchSize}; load average before ${loadBefore}, after ${load()}`,
);
await new Promise((r) => setTimeout(r, 4_000)); // the newest download rows past the settle time
const rc = await cli(['metrics', 'reconcile', '--sample', '1000', '--json']);
const check = JSON.parse(rc.stdout);
console.log(
  `reconcile --sample 1000: ${check.entities} entities in ${rc.seconds.toFixed(1)} s (${check.seconds.toFixed(1)} s inside, ${((1000 * check.seconds) / Math.max(1, check.entities)).toFixed(2)} s per 1,000 entities), ${check.differences.length} differences, ${check.cache.length} cached hashes off, ${check.notCaughtUp.length} batches not caught up (exit ${rc.code}); load average ${load()}`,
);
await db.end();
await clickhouse.close();
