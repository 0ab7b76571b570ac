// `event-host backfill` on the real stack: a world with history written before the host's group starts
// (some of it backdated over the past year), then the host streams while traffic keeps creating, updating
// and deleting rows (pre-existing ones too) during the backfill; the backfill is stopped after saving its
// first round, between writing the second round's corrections and saving it (as a kill would), resumed, and
// run a second time. Then ClickHouse, the cached hashes and the reader equal SQL truth, all time and week.
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseRowPublisher } from '@engagement/app-db/clickhouse';
import { defaultCacheKeys, type RedisClient, RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { startGroupAtEnd } from '@engagement/event-bus/testing';
import { plugins } from '@engagement/metric-listeners';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSampleWorld, type SampleWorld } from '../../../scripts/sample-traffic/sample-world.js';
import type { HostConfig } from '../src/config/host-config.js';
import { watermarkKeyOf } from '../src/deployment/cache-scope.js';
import { sourceTopicsOf } from '../src/deployment/source-topics.js';
import { createEventHost, type EventHost } from '../src/host/create-event-host.js';
import { type BackfillOptions, backfill } from '../src/reconcile/backfill.js';
import { reconcile } from '../src/reconcile/reconcile.js';
import { spawnBackfill, writeWorldTraffic } from './backfill-fixtures.js';
import { RUN, waitFor } from './host-fixtures.js';
import {
  connectReconcileClients,
  dropWorldJobs,
  mismatches,
  type ReconcileTestClients,
  readMetrics,
  reconcileClients,
  reconcileEnv,
  removeEntities,
  touchQueueEmpty,
  truthTotals,
  worldScope,
} from './reconcile-fixtures.js';
import { runCliCaptured } from './run-cli-captured.js';

const { env, chPrefix } = reconcileEnv('backfill', 10);
const WEEK = 7 * 86_400_000;
let config: HostConfig;
let host: EventHost;
let db: pg.Client;
let clickhouse: ClickHouseClient;
let redis: RedisClient;
let producer: Producer;
let publisher: ClickHouseRowPublisher;
let world: SampleWorld;

const clients = () => reconcileClients(connected, plugins);

let connected: ReconcileTestClients;

/** SQL truth per `type:id:metric`, all time and since a week before `nowMs`. */
const truthOf = async (scope: ReadonlyMap<string, readonly number[]>, nowMs: number) => ({
  all: await truthTotals(db, clickhouse, plugins, scope),
  week: await truthTotals(db, clickhouse, plugins, scope, nowMs - WEEK),
});

/** Every metric of the world's entities through the reader (filling cached hashes that are missing), all time and week. */
async function readAll() {
  const read = await readMetrics(connected, plugins, worldScope(world), ['all', 'week']);
  return { all: read.get('all')!, week: read.get('week')! };
}

const writeTraffic = (count: number, signal?: AbortSignal, perSecond = 0) =>
  writeWorldTraffic({ db, world, publisher }, count, signal, perSecond);

beforeAll(async () => {
  connected = await connectReconcileClients(env);
  ({ config, db, clickhouse, redis, producer } = connected);
  publisher = new ClickHouseRowPublisher({ clickhouse, producer, topicPrefix: chPrefix });
  // History: written (and partly backdated over the past year) before the host's group exists.
  world = await createSampleWorld(db, `bf-${RUN}`);
  await writeTraffic(600);
  for (const [table, column, ids] of [
    ['ImageReaction', 'imageId', world.images],
    ['ResourceReview', 'modelVersionId', [...world.versions.keys()]],
    ['CommentV2', 'threadId', world.threads],
    ['CollectionItem', 'collectionId', world.collections],
  ] as const) {
    await db.query(
      `UPDATE "${table}" SET "createdAt" = now() - random() * interval '365 days' WHERE "${column}" = ANY($1) AND random() < 0.7`,
      [ids],
    );
  }
  await new Promise((r) => setTimeout(r, 2_000)); // let Debezium put the history on Kafka: the group skips it
  await startGroupAtEnd(connected.kafka, config.kafka.groupId, sourceTopicsOf(config, plugins).create);
  host = await createEventHost({ config });
  await host.start();
  await new Promise((r) => setTimeout(r, 4_000)); // older than the ClickHouse settle time (3 s)
}, 300_000);

afterAll(async () => {
  await host?.stop();
  if (connected) await dropWorldJobs(connected.clickhouse, world);
  await connected?.close();
});

it('backfills history exactly while the app writes, resumes after a stop, and a second run writes nothing', async () => {
  const scope = worldScope(world);
  // Cached hashes from before the backfill (what the reader would serve): the backfill must fix them.
  await readAll();

  const stopTraffic = new AbortController();
  const traffic = writeTraffic(100_000, stopTraffic.signal, 40);
  const options: BackfillOptions = {
    ...clients(),
    progressKey: `backfill-test:${RUN}`,
    batchSize: 10,
    batchesPerWait: 2,
  };
  const stop = new AbortController();
  let rounds = 0;
  await expect(
    backfill({
      ...options,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.rounds === 0) return; // the report made before the first round
        rounds++;
        stop.abort(); // the next round writes its corrections, then stops before saving its progress
      },
    }),
  ).rejects.toMatchObject({ code: 'EH_BACKFILL_STOPPED' });
  expect(rounds).toBe(1);
  const saved = await redis.hgetall(options.progressKey);
  expect(Object.keys(saved).length).toBeGreaterThan(0); // the first round's progress only

  const resumed = await backfill({ ...options, batchSize: 100, batchesPerWait: 8 });
  expect(resumed.resumedFrom).toEqual(
    Object.fromEntries(Object.entries(saved).map(([t, id]) => [t, Number(id)])),
  );
  expect(resumed.repaired.events).toBeGreaterThan(0);
  stopTraffic.abort();
  const changedDuring = await traffic;
  expect(changedDuring).toBeGreaterThan(20);
  expect(await redis.exists(options.progressKey)).toBe(0);

  await new Promise((r) => setTimeout(r, 4_000)); // the last ClickHouse rows past the settle time
  await touchQueueEmpty(new RedisTouchQueue(redis, config.cacheScope)); // the traffic's removed post reactions, recomputed
  const check = await reconcile({ ...clients(), selection: { kind: 'ids', ids: worldScope(world) } });
  expect([check.notCaughtUp, check.differences, check.cache]).toEqual([[], [], []]);

  const nowMs = Date.now();
  const truth = await truthOf(worldScope(world), nowMs);
  const read = await readAll();
  expect(mismatches(truth.all, read.all)).toEqual([]);
  expect(mismatches(truth.week, read.week)).toEqual([]);
  expect([...truth.all.values()].filter((v) => v !== 0).length).toBeGreaterThan(150);
  expect(scope.get('Image')!.length).toBeGreaterThan(0);

  const again = await runCliCaptured(['backfill', '--restart', '--json'], {
    ...env,
    EVENT_HOST_RECONCILE_BATCH_SIZE: '200',
  });
  expect(again.code, again.stderr).toBe(0);
  const second = JSON.parse(again.stdout);
  expect(second.repaired).toEqual({ events: 0, hashes: 0, rollup: 0 });
  const rate = (r: { truthRows: number; seconds: number }) => Math.round(r.truthRows / r.seconds);
  console.log(
    `backfill (every entity of the stack's database, not only the world): resumed run ${resumed.entities} entities, ${resumed.truthRows} source rows in ${resumed.seconds.toFixed(1)} s (${rate(resumed)} rows/s, batch 100), ${resumed.repaired.events} corrections, traffic meanwhile ${changedDuring} changes; second run ${second.entities} entities, ${second.truthRows} rows in ${second.seconds.toFixed(1)} s (${rate(second)} rows/s, batch 200)`,
  );
}, 600_000);

it('a backfill process SIGKILLed after saving progress resumes from it, and the result equals SQL truth', async () => {
  const scope = worldScope(world);
  // History lost: every stored event of the world's entities gone (a metric whose history was never
  // written), and the cached hashes refilled from what is left, as the read path would.
  await removeEntities(clickhouse, scope);
  for (const [type, ids] of scope) {
    // The hashes and their logs of events not yet in ClickHouse (docs/reading-metrics.md) go with them: an
    // entry left in a log would claim an event ClickHouse no longer has, and a fill would add it again.
    if (ids.length > 0)
      await redis.del(
        ...ids.flatMap((id) => [defaultCacheKeys.key(type, id), `${defaultCacheKeys.key(type, id)}:recent`]),
      );
  }
  const before = await readAll();
  const nowMs = Date.now();
  const truth = await truthOf(scope, nowMs);
  expect(mismatches(truth.all, before.all).length).toBeGreaterThan(100);

  const progressKey = `eventbus:backfill:progress:${watermarkKeyOf(config)}`;
  await redis.del(progressKey);
  // The repair lock's settings (default 60 s / 30 s) short, so its expiry is seen in seconds.
  const lockEnv = {
    ...env,
    EVENT_HOST_RECONCILE_LOCK_TTL_MS: '15000',
    EVENT_HOST_RECONCILE_LOCK_WAIT_MS: '1000',
  };
  // Slow enough to be killed mid-run on a fresh stack (about 100 entities): a round is 8 batches of 2
  // entities, so progress is first saved after ~2 s, and the whole run takes over 10 s.
  const first = spawnBackfill(lockEnv, ['--batch-size', '2', '--rate', '8']);
  const saved = await waitFor(
    () => redis.hgetall(progressKey),
    (p) => Object.keys(p).length > 0,
    180_000,
    'the first saved progress',
  ).catch(async (error) => {
    first.proc.kill('SIGKILL');
    throw new Error(`${error.message}\nbackfill stderr: ${first.out.stderr}`);
  });
  // Killed while it works on later rounds (reading truth, writing corrections, or saving progress).
  await new Promise((r) => setTimeout(r, 300 + Math.random() * 1_500));
  first.proc.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
  const atKill = await redis.hgetall(progressKey);
  expect(Object.keys(atKill).length, first.out.stderr).toBeGreaterThanOrEqual(Object.keys(saved).length);

  // The dead process's repair lock outlives it by its TTL: a run started at once waits for it (1 s here) and
  // is refused, saying for how long; once the lock has expired the run resumes.
  const lockKey = `eventbus:reconcile:repair-lock:${watermarkKeyOf(config)}`;
  expect(await redis.pttl(lockKey)).toBeGreaterThan(5_000);
  const early = spawnBackfill(lockEnv, ['--json']);
  expect((await early.exited).code).toBe(1);
  expect(early.out.stderr).toMatch(/EH_REPAIR_LOCKED: another repair holds .*: .* leaves it for \d+ s more/);
  await waitFor(
    () => redis.pttl(lockKey),
    (ttl) => ttl < 0,
    20_000,
    "the dead holder's lock to expire",
  );
  const second = spawnBackfill(lockEnv, ['--json']);
  expect(await second.exited, second.out.stderr).toEqual({ code: 0, signal: null });
  const report = JSON.parse(second.out.stdout);
  expect(report.resumedFrom).toEqual(
    Object.fromEntries(Object.entries(atKill).map(([t, id]) => [t, Number(id)])),
  );
  expect(await redis.exists(progressKey)).toBe(0);

  await new Promise((r) => setTimeout(r, 4_000)); // the last ClickHouse rows past the settle time
  await touchQueueEmpty(new RedisTouchQueue(redis, config.cacheScope));
  const check = await reconcile({ ...clients(), selection: { kind: 'ids', ids: scope } });
  expect([check.notCaughtUp, check.differences]).toEqual([[], []]);
  // The cached hashes received each correction once, through the metric topic: wait for the apply stage.
  const read = await waitFor(
    readAll,
    (r) => mismatches(truth.all, r.all).length === 0,
    30_000,
    'cached hashes equal to the truth',
  ).catch(async () => readAll());
  expect(mismatches(truth.all, read.all)).toEqual([]);
  expect(mismatches(truth.week, read.week)).toEqual([]);
  console.log(
    `backfill killed (SIGKILL) after saving ${JSON.stringify(atKill)}; the resumed process published ${report.unpublished.published} corrections the killed one had stored without publishing, and wrote ${report.repaired.events} corrections in ${report.seconds.toFixed(1)} s`,
  );
}, 600_000);
