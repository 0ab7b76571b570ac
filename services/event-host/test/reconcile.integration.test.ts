// Reconcile and repair on the real stack (Postgres → Debezium → Kafka → a host → ClickHouse, Redis), against
// the listeners' SQL truth: no false alarm while sample traffic writes creates, updates and deletes; then a
// loss (events removed from ClickHouse, cached hashes corrupted) is reported exactly, with its coverage, and
// `--repair` makes ClickHouse, the cached hashes and the reader exact; a second repair writes nothing.
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseRowPublisher, clickhouseSourceTables } from '@engagement/app-db/clickhouse';
import {
  checkRollup,
  headChainFilter,
  readMetricTotals,
  readRollState,
  rollupTables,
} from '@engagement/event-bus/sinks/clickhouse';
import { defaultCacheKeys, type RedisClient, RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { startGroupAtEnd, waitFor } from '@engagement/event-bus/testing';
import { plugins } from '@engagement/metric-listeners';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleWorld } from '../../../scripts/sample-traffic/sample-world.js';
import { runSampleTraffic } from '../../../scripts/sample-traffic.js';
import type { HostConfig } from '../src/config/host-config.js';
import { sourceTopicsOf } from '../src/deployment/source-topics.js';
import { createEventHost, type EventHost } from '../src/host/create-event-host.js';
import { reconcileWithRecheck } from '../src/reconcile/recheck.js';
import { type ReconcileReport, reconcile } from '../src/reconcile/reconcile.js';
import {
  cachedTotals,
  commitRoll,
  connectReconcileClients,
  dropWorldJobs,
  lossTargets,
  metricKey,
  mismatches,
  nonZeroIds,
  type ReconcileTestClients,
  readMetrics,
  reconcileClients,
  reconcileEnv,
  removeEvents,
  touchQueueEmpty,
  truthTotals,
  worldScope,
} from './reconcile-fixtures.js';
import { runCliCaptured } from './run-cli-captured.js';

const REDIS_DB = 9;
const { env, chPrefix } = reconcileEnv('reconcile', REDIS_DB);
let config: HostConfig;
let host: EventHost;
let db: pg.Client;
let clickhouse: ClickHouseClient;
let redis: RedisClient;
let producer: Producer;
let world: SampleWorld;

/** The library call behind `event-host metrics reconcile`, on the test host's settings. */
const reconcileWorld = (options: { repair?: boolean; ids?: Map<string, number[]> } = {}) =>
  reconcile({
    ...reconcileClients(clients, plugins),
    selection: { kind: 'ids', ids: options.ids ?? worldScope(world) },
    repair: options.repair,
    touched: new RedisTouchQueue(redis, config.cacheScope),
    // The host's recomputer holds the repair lock for each pass (removed post reactions are recomputed).
    lockWaitMs: 60_000,
  });

/** Fills cached hashes the way the app does (a read that misses), every metric, all time. */
const readThrough = (scope: ReadonlyMap<string, readonly number[]>) => readMetrics(clients, plugins, scope);

const offKeys = (r: ReconcileReport) =>
  [...new Set(r.differences.map((d) => metricKey(d.entityType, d.entityId, d.metric)))].sort();

let clients: ReconcileTestClients;

/** The cached hashes that differ from the truth once the apply stage has applied what it got (30 s at most). */
async function cacheLeftAfterApply(
  truth: ReadonlyMap<string, number>,
  scope: ReadonlyMap<string, readonly number[]>,
) {
  const left = async () => mismatches(truth, await cachedTotals(redis, scope));
  return waitFor(left, (l) => l.length === 0, 30_000, 'cached hashes equal to the truth').catch(left);
}

beforeAll(async () => {
  clients = await connectReconcileClients(env);
  ({ config, db, clickhouse, redis, producer } = clients);
  // The shared Debezium topics hold other runs' history: this host starts at their end.
  await startGroupAtEnd(clients.kafka, config.kafka.groupId, sourceTopicsOf(config, plugins).create);
  host = await createEventHost({ config });
  await host.start();
}, 300_000);

afterAll(async () => {
  await host?.stop();
  if (clients) await dropWorldJobs(clients.clickhouse, world);
  await clients?.close();
});

describe('metrics reconcile', () => {
  it('reports nothing off on a correct system while traffic writes (no false alarms)', async () => {
    const publisher = new ClickHouseRowPublisher({ clickhouse, producer, topicPrefix: chPrefix });
    expect(clickhouseSourceTables.map((t) => publisher.topic(t))).toEqual(
      Object.keys(config.sources.clickhouseTopics),
    );
    const stop = new AbortController();
    const traffic = runSampleTraffic(db, 60, stop.signal, {
      publisher,
      onWorld: (w) => {
        world = w;
      },
    });
    try {
      while (!world) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 4_000));
      await readThrough(worldScope(world)); // cached hashes, kept current by increments from now on
      const reports: ReconcileReport[] = [];
      const scopes: Map<string, number[]>[] = [];
      for (let i = 0; i < 3; i++) {
        scopes.push(worldScope(world));
        reports.push(await reconcileWorld({ ids: scopes[i] }));
      }
      for (const r of reports) {
        expect(r.notCaughtUp).toEqual([]);
        expect(r.differences).toEqual([]);
        expect(r.cache).toEqual([]);
        expect(r.rollup).toEqual([]);
      }
      // It compared something real: every entity, and many metrics with non-zero truth.
      expect(reports.map((r) => r.entities)).toEqual(scopes.map((sc) => [...sc.values()].flat().length));
      expect(reports[2]!.metrics.filter((m) => m.truth !== 0).length).toBeGreaterThan(25);
      console.log(
        `live reconcile: ${reports.map((r) => `${r.entities} entities in ${r.seconds.toFixed(1)} s`).join(', ')}`,
      );
    } finally {
      stop.abort();
      await traffic;
    }
  }, 300_000);

  it('reports a loss exactly, with its coverage; --repair makes everything exact; a second repair writes nothing', async () => {
    expect(world, 'the live test made the world').toBeDefined();
    const scope = worldScope(world);
    // Reconcile leaves out ClickHouse source rows younger than clickhouseSettleMs; the truth below counts them
    // all. Wait until the last rows of the traffic are that old, or the two totals differ by those rows.
    await new Promise((r) => setTimeout(r, config.reconcile.clickhouseSettleMs + 500));
    await touchQueueEmpty(new RedisTouchQueue(redis, config.cacheScope)); // the traffic's removed post reactions, recomputed
    expect((await reconcileWorld()).differences).toEqual([]); // settled after the traffic stopped
    const truth = await truthTotals(db, clickhouse, plugins, scope);
    // Lost: Postgres-sourced and ClickHouse-sourced metrics, several entities of one metric.
    const lost = lossTargets(truth, scope, [
      ['Image', 'likeCount', 2],
      ['User', 'reactionCount', 1],
      ['ModelVersion', 'downloadCount', 1],
    ]);
    expect(lost.length).toBe(4);
    await removeEvents(clickhouse, lost);
    // Their hashes are filled after the loss, so they hold ClickHouse's (short) values; repair must fix them by
    // increments. Other hashes are corrupted by hand: repair must refill them.
    const lostIds = new Set(lost.map(([type, id]) => `${type}:${id}`));
    // With their logs of events not yet trimmed (a cache that never saw what ClickHouse lost): left behind,
    // a log would claim removed events and the fill would count them again.
    await redis.del(
      ...lost.flatMap(([type, id]) => [
        defaultCacheKeys.key(type, id),
        `${defaultCacheKeys.key(type, id)}:recent`,
      ]),
    );
    const lostScope = new Map<string, number[]>();
    for (const [type, id] of lost) lostScope.set(type, [...(lostScope.get(type) ?? []), id]);
    await readThrough(lostScope);
    const corrupt = nonZeroIds(truth, scope, 'Image', 'reactionCount')
      .filter((id) => !lostIds.has(`Image:${id}`))
      .slice(0, 2);
    expect(corrupt.length).toBe(2);
    await readThrough(new Map([['Image', corrupt]]));
    for (const id of corrupt) await redis.hincrby(defaultCacheKeys.key('Image', id), 'reactionCount', 5);

    const found = await reconcileWorld();
    expect(offKeys(found)).toEqual(lost.map(([t, id, m]) => metricKey(t, id, m)).sort());
    expect(found.cache.map((c) => `${c.key} ${c.field}`).sort()).toEqual(
      corrupt.map((id) => `${defaultCacheKeys.key('Image', id)} reactionCount`).sort(),
    );
    for (const m of found.metrics) {
      const gone = lost.filter(([t, , metric]) => t === m.entityType && metric === m.metric);
      const total = (scope.get(m.entityType) ?? []).reduce(
        (n, id) => n + (truth.get(metricKey(m.entityType, id, m.metric)) ?? 0),
        0,
      );
      const missing = gone.reduce((n, [t, id, metric]) => n + truth.get(metricKey(t, id, metric))!, 0);
      expect({
        metric: `${m.entityType}.${m.metric}`,
        off: m.off,
        truth: m.truth,
        coverage: m.coverage,
      }).toEqual({
        metric: `${m.entityType}.${m.metric}`,
        off: gone.length,
        truth: total,
        coverage: total === 0 ? 1 : (total - missing) / total,
      });
      expect(m.cacheOff).toBe(m.entityType === 'Image' && m.metric === 'reactionCount' ? corrupt.length : 0);
    }

    // The command reports the same (one entity type), and says it needs attention.
    const cli = await runCliCaptured(
      ['metrics', 'reconcile', '--entity-type', 'Image', '--ids', world.images.join(','), '--json'],
      env,
    );
    expect(cli.code, cli.stderr).toBe(3);
    const cliReport = JSON.parse(cli.stdout) as ReconcileReport;
    expect(offKeys(cliReport)).toEqual(offKeys(found).filter((k) => k.startsWith('Image:')));

    const repaired = await reconcileWorld({ repair: true });
    expect(repaired.repaired.events).toBe(found.differences.length);
    expect(repaired.repaired.hashes).toBe(corrupt.length);

    // The host's apply stage increments the hashes of the lost entities with the corrections.
    expect(await cacheLeftAfterApply(truth, scope)).toEqual([]);
    const after = await reconcileWorld();
    expect([after.differences, after.cache, after.rollup]).toEqual([[], [], []]);
    const read = (await readThrough(scope)).get('all')!;
    expect(mismatches(truth, read)).toEqual([]);
    expect(read.size).toBe(truth.size);

    const again = await reconcileWorld({ repair: true });
    expect([again.repaired, again.differences, again.cache]).toEqual([
      { events: 0, hashes: 0, rollup: 0 },
      [],
      [],
    ]);
  }, 300_000);

  it('compares again, once the recomputer took them, the groups it left out as waiting for recompute', async () => {
    expect(world, 'the live test made the world').toBeDefined();
    const scope = worldScope(world);
    await touchQueueEmpty(new RedisTouchQueue(redis, config.cacheScope)); // the traffic's touches, recomputed
    const truth = await truthTotals(db, clickhouse, plugins, scope);
    const [taken, busy] = nonZeroIds(truth, scope, 'Post', 'likeCount');
    expect(busy, 'two posts with likes').toBeDefined();
    const lost = [taken!, busy!].map((id) => ['Post', id, 'likeCount'] as const);
    await removeEvents(clickhouse, lost);
    // Their hashes would now differ from ClickHouse too (the case above covers that).
    await redis.del(
      ...lost.flatMap(([type, id]) => [
        defaultCacheKeys.key(type, id),
        `${defaultCacheKeys.key(type, id)}:recent`,
      ]),
    );
    // A queue the host's recomputer does not read: the test plays the recomputer, one that takes `taken` and
    // recounts nothing (a lost recompute), while `busy` is never taken (touched all the time).
    const queue = new RedisTouchQueue(redis, `recheck-${Date.now()}`);
    await queue.add(
      lost.map(([entityType, entityId, metric]) => ({ entityType, entityId, metrics: [metric] })),
    );
    let pass: Promise<number> | undefined;
    const options = {
      ...reconcileClients(clients, plugins),
      selection: { kind: 'ids', ids: new Map([['Post', [taken!, busy!]]]) } as const,
      touched: queue,
      lockWaitMs: 60_000,
      onProgress: (line: string) => {
        if (!line.includes('comparing them again')) return;
        pass ??= queue
          .due('Post', 0, 10)
          .then((due) =>
            queue.done('Post', { ...due, members: due.members.filter((m) => m.startsWith(`${taken}:`)) }),
          );
      },
    };
    // Compared once, the loss hides behind the queue.
    const once = await reconcile({ ...options, onProgress: undefined });
    expect(once.differences).toEqual([]);
    expect(new Set(once.inFlight.map((d) => `${d.entityType}.${d.metric}`))).toEqual(
      new Set(['Post.likeCount']),
    );
    const ofPost = (id: number) => once.inFlight.filter((d) => d.entityId === id);
    expect(ofPost(taken!).length).toBeGreaterThan(0);
    expect(ofPost(busy!).length).toBeGreaterThan(0);
    expect(once.waitingForRecompute).toBe(once.inFlight.length);

    const report = await reconcileWithRecheck(options, { rounds: 1, waitMs: 5_000, pollMs: 200 });
    expect(await pass).toBe(1);
    expect(report.differences).toEqual(ofPost(taken!));
    expect(report.rechecks).toEqual([
      {
        entities: 2,
        groups: once.inFlight.length,
        waitedSeconds: expect.any(Number),
        untaken: 1,
        off: ofPost(taken!).length,
        stillInFlight: ofPost(busy!).length,
      },
    ]);
    expect(report.waitingForRecompute).toBe(ofPost(busy!).length);
    expect(report.inFlight).toEqual(ofPost(busy!));
    const likes = report.metrics.find((m) => m.entityType === 'Post' && m.metric === 'likeCount')!;
    const total =
      truth.get(metricKey('Post', taken!, 'likeCount'))! + truth.get(metricKey('Post', busy!, 'likeCount'))!;
    expect([likes.off, likes.truth, likes.coverage]).toEqual([
      1,
      total,
      (total - truth.get(metricKey('Post', taken!, 'likeCount'))!) / total,
    ]);

    await redis.del(queue.key('Post'), queue.firstTouchKey('Post'));
    const repaired = await reconcileWorld({ repair: true, ids: new Map([['Post', [taken!, busy!]]]) });
    expect(repaired.repaired.events).toBe(once.inFlight.length);
    expect((await reconcileWorld()).differences).toEqual([]);
  }, 300_000);

  it('a repair stopped after storing its corrections and before publishing them is finished by the next repair', async () => {
    expect(world, 'the live test made the world').toBeDefined();
    const scope = worldScope(world);
    const truth = await truthTotals(db, clickhouse, plugins, scope);
    // Entities the test above did not touch.
    const lost = nonZeroIds(truth, scope, 'Image', 'likeCount')
      .slice(2, 4)
      .map((id) => ['Image', id, 'likeCount'] as const);
    expect(lost.length).toBe(2);
    await removeEvents(clickhouse, lost);
    await redis.del(
      ...lost.flatMap(([type, id]) => [
        defaultCacheKeys.key(type, id),
        `${defaultCacheKeys.key(type, id)}:recent`,
      ]),
    );
    await readThrough(new Map([['Image', lost.map(([, id]) => id)]])); // the hashes hold the short values
    expect(mismatches(truth, await cachedTotals(redis, scope)).length).toBe(2);

    // The broker refuses the repair's publish (as a kill between the two writes would leave it): the
    // corrections are in ClickHouse, and the cache never heard of them.
    const down = {
      ...producer,
      send: async () => {
        throw new Error('broker unreachable (test)');
      },
    } as Producer;
    await expect(
      reconcile({
        ...reconcileClients(clients, plugins),
        producer: down,
        selection: { kind: 'ids', ids: scope },
        repair: true,
        touched: new RedisTouchQueue(redis, config.cacheScope),
        lockWaitMs: 60_000,
      }),
    ).rejects.toThrow(/broker unreachable/);
    const stopped = await reconcileWorld();
    expect([stopped.differences, stopped.cache]).toEqual([[], []]); // stored, and in flight for the cache check
    expect(stopped.unpublished.waiting).toBeGreaterThanOrEqual(lost.length);
    const cli = await runCliCaptured(
      ['metrics', 'reconcile', '--entity-type', 'Image', '--ids', world.images.join(',')],
      env,
    );
    expect(cli.code, cli.stderr).toBe(3); // needs attention: the cache lacks stored corrections
    expect(cli.stdout).toMatch(/unpublished: \d+ correction\(s\) an interrupted repair stored/);

    // The next repair reads them back from ClickHouse and publishes them, and writes nothing new.
    const next = await reconcileWorld({ repair: true });
    expect(next.unpublished.published).toBe(stopped.unpublished.waiting);
    expect([next.repaired.events, next.differences]).toEqual([0, []]);
    expect(await cacheLeftAfterApply(truth, scope)).toEqual([]);
    const after = await reconcileWorld();
    expect([after.differences, after.cache, after.unpublished]).toEqual([
      [],
      [],
      { published: 0, waiting: 0 },
    ]);
  }, 300_000);

  it('events lost from the event table after they were rolled: --repair leaves reads counting them once', async () => {
    expect(world, 'the live test made the world').toBeDefined();
    const scope = worldScope(world);
    const truth = await truthTotals(db, clickhouse, plugins, scope);
    // Entities the tests above did not touch; everything stored is rolled first (a roll of ours committed).
    const lost = nonZeroIds(truth, scope, 'Image', 'likeCount')
      .slice(4, 6)
      .map((id) => ['Image', id, 'likeCount'] as const);
    expect(lost.length).toBe(2);
    const lostScope = new Map([['Image', lost.map(([, id]) => id)]]);
    await commitRoll(clickhouse);
    await readThrough(lostScope); // cached hashes hold the truth, and keep it through the repair
    await removeEvents(clickhouse, lost, { rolledKept: true });
    const [before] = (await readThrough(lostScope)).values();
    expect(mismatches(truth, before!), 'reads still count the lost events').toEqual([]);

    const found = await reconcileWorld({ ids: lostScope });
    expect(offKeys(found)).toEqual(lost.map(([t, id, m]) => metricKey(t, id, m)).sort());
    expect(found.rollup.map((r) => `${r.entityId} ${r.rolled - r.stored}`).sort()).toEqual(
      lost.map(([, id, m]) => `${id} ${truth.get(metricKey('Image', id, m))}`).sort(),
    );
    const repaired = await reconcileWorld({ ids: lostScope, repair: true });
    expect(repaired.repaired).toMatchObject({ events: found.differences.length, rollup: lost.length });
    // Counted once: by the rollup's repaired rows and the corrections, in ClickHouse and in the cache.
    expect(await cacheLeftAfterApply(truth, scope)).toEqual([]);
    const [read] = (await readThrough(lostScope)).values();
    expect(mismatches(truth, read!)).toEqual([]);
    const fromClickHouse = await readMetricTotals(clickhouse, {
      entityType: 'Image',
      entityIds: lost.map(([, id]) => id),
      metricTypes: ['likeCount'],
      timeframes: ['all'],
    });
    expect(fromClickHouse.map((r) => `${r.entityId} ${r.totals.likeCount!.all}`).sort()).toEqual(
      lost.map(([, id, m]) => `${id} ${truth.get(metricKey('Image', id, m))}`).sort(),
    );
    const after = await reconcileWorld({ ids: lostScope });
    expect([after.differences, after.cache, after.rollup]).toEqual([[], [], []]);
  }, 300_000);

  it('finds a read rollup that disagrees with the stored events, which comparing the stored events cannot see', async () => {
    expect(world, 'the live test made the world').toBeDefined();
    const scope = worldScope(world);
    const truth = await truthTotals(db, clickhouse, plugins, scope);
    const id = nonZeroIds(truth, scope, 'Image', 'likeCount')[0]!;
    const one = new Map([['Image', [id]]]);
    // Everything stored is rolled, so the entity has daily rows; then one of them is changed by hand. Hosts of
    // other test files roll the stack's table too: a roll that loses the race to one of theirs is tried again.
    // The row is the newest counted one of the entity (on the head's chain, picked as readers pick it); a
    // host's compaction or roll that read it before the change can still replace it after it, so the change
    // is checked and made again then.
    const { daily } = rollupTables();
    const where = `entityType = 'Image' AND entityId = ${id} AND metricType = 'likeCount'`;
    let row: { day: string; gen: string } | undefined;
    const shift = async (delta: number) =>
      clickhouse.command({
        query: `ALTER TABLE ${daily} UPDATE total = total + ${delta} WHERE ${where} AND day = '${row!.day}' AND gen = ${row!.gen}`,
        clickhouse_settings: { mutations_sync: '2' },
      });
    const rolledOff = async () =>
      (
        await checkRollup(clickhouse, { entityType: 'Image', entityIds: [id], metricTypes: ['likeCount'] })
      ).differences.map((d) => d.rolled - d.stored);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await commitRoll(clickhouse);
      const chain = headChainFilter((await readRollState(clickhouse))!);
      [row] = await (
        await clickhouse.query({
          query: `SELECT day, gen FROM ${daily} WHERE ${where} AND ${chain.sql} ORDER BY day DESC, gen DESC LIMIT 1`,
          query_params: chain.params,
          format: 'JSONEachRow',
        })
      ).json<{ day: string; gen: string }>();
      expect(row, 'a daily row of the entity').toBeDefined();
      await shift(7);
      if ((await rolledOff()).join() === '7') break;
      console.log(`rollup test: the changed row (day ${row!.day}, gen ${row!.gen}) stopped counting; again`);
    }
    let repaired = false;
    try {
      const report = await reconcileWorld({ ids: one });
      // The stored events still equal the truth, so only the rollup check sees it.
      expect([report.differences, report.cache]).toEqual([[], []]);
      expect(report.rollup).toEqual([
        {
          entityType: 'Image',
          entityId: id,
          metricType: 'likeCount',
          rolled: expect.any(Number),
          stored: expect.any(Number),
        },
      ]);
      expect(report.rollup[0]!.rolled - report.rollup[0]!.stored).toBe(7);
      // What it means for the app: a read from ClickHouse (a cache fill) takes the wrong total.
      const [read] = await readMetricTotals(clickhouse, {
        entityType: 'Image',
        entityIds: [id],
        metricTypes: ['likeCount'],
        timeframes: ['all'],
      });
      expect(read!.totals.likeCount!.all).toBe(truth.get(metricKey('Image', id, 'likeCount'))! + 7);
      const cli = await runCliCaptured(
        ['metrics', 'reconcile', '--entity-type', 'Image', '--ids', String(id)],
        env,
      );
      expect(cli.code, cli.stderr).toBe(3);
      expect(cli.stdout).toMatch(
        /read rollup: 1 entity metric\(s\) where the rollup \(what reads from ClickHouse count\) and the stored events differ/,
      );
      expect(cli.stdout).toContain(`rollup Image ${id} likeCount: rolled`);

      // `--repair` makes the rollup say what the stored events say: reads exact, the check clean, nothing to
      // do the next time.
      const repair = await runCliCaptured(
        ['metrics', 'reconcile', '--entity-type', 'Image', '--ids', String(id), '--repair'],
        env,
      );
      expect(repair.code, repair.stderr).toBe(0);
      repaired = true;
      expect(repair.stdout).toMatch(/repaired to the stored events/);
      expect(repair.stdout).toMatch(
        /0 correction event\(s\) written, \d+ cached hash\(es\) refilled, 1 read rollup total\(s\) repaired/,
      );
      const after = await reconcileWorld({ ids: one });
      expect([after.differences, after.cache, after.rollup]).toEqual([[], [], []]);
      const [again] = await readMetricTotals(clickhouse, {
        entityType: 'Image',
        entityIds: [id],
        metricTypes: ['likeCount'],
        timeframes: ['all'],
      });
      expect(again!.totals.likeCount!.all).toBe(truth.get(metricKey('Image', id, 'likeCount'))!);
      const [cached] = (await readThrough(one)).values();
      expect(mismatches(truth, cached!)).toEqual([]);
    } finally {
      if (!repaired) await shift(-7);
    }
    expect((await reconcileWorld({ ids: one })).rollup).toEqual([]);
  }, 300_000);

  it('takes a measured time per 1,000 entities with the command', async () => {
    const owner = world.users[0]!;
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO "Image"("userId") SELECT $1 FROM generate_series(1, 1000) RETURNING id`,
      [owner],
    );
    const ids = rows.map((r) => r.id);
    await db.query(
      `INSERT INTO "ImageReaction"("imageId","userId",reaction)
       SELECT i, u, (ARRAY['Like','Heart','Laugh']::"ReviewReactions"[])[1 + (i + u) % 3]
       FROM unnest($1::int[]) AS i, unnest($2::int[]) AS u`,
      [ids, world.users.slice(0, 3)],
    );
    // Wait until the host has stored them (a reconcile waits for it), then time the command alone.
    expect((await reconcileWorld({ ids: new Map([['Image', ids]]) })).entities).toBe(1000);
    const started = performance.now();
    const cli = await runCliCaptured(
      ['metrics', 'reconcile', '--entity-type', 'Image', '--ids', ids.join(','), '--json'],
      env,
    );
    const seconds = (performance.now() - started) / 1000;
    expect(cli.code, cli.stderr).toBe(0);
    const report = JSON.parse(cli.stdout) as ReconcileReport;
    expect([report.entities, report.differences.length]).toEqual([1000, 0]);
    expect(report.metrics.find((m) => m.metric === 'reactionCount')!.truth).toBe(3000);
    console.log(
      `reconcile of 1,000 Image entities (3,000 reactions): command ${seconds.toFixed(1)} s, of it ${report.catchUpSeconds.toFixed(1)} s waiting for the stream`,
    );
  }, 300_000);
});
