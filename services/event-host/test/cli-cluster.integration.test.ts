// The operator's commands that touch Redis — `metrics drift`, `metrics reconcile` and `backfill` — run through
// the CLI against the stack's three-master Redis Cluster (EVENT_HOST_REDIS_CLUSTER_NODES alone), on a world
// the host streamed from the real Debezium topics. Each is checked exact against SQL truth: drift finds
// exactly the hashes corrupted on different masters (its sample covers every master) and repairs them;
// reconcile reports exactly the events lost from ClickHouse and the corrupted hash, and --repair makes
// ClickHouse and the cached hashes equal SQL truth; backfill restores lost history the same way.
import { ClickHouseRowPublisher } from '@engagement/app-db/clickhouse';
import type { DriftReport } from '@engagement/event-bus/reader';
import { defaultCacheKeys, RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { startGroupAtEnd } from '@engagement/event-bus/testing';
import { plugins } from '@engagement/metric-listeners';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSampleWorld, type SampleWorld } from '../../../scripts/sample-traffic/sample-world.js';
import { watermarkKeyOf } from '../src/deployment/cache-scope.js';
import { sourceTopicsOf } from '../src/deployment/source-topics.js';
import { createEventHost, type EventHost } from '../src/host/create-event-host.js';
import { type ReconcileReport, reconcile } from '../src/reconcile/reconcile.js';
import { writeWorldTraffic } from './backfill-fixtures.js';
import { RUN, waitFor } from './host-fixtures.js';
import {
  cachedTotals,
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
  removeEntities,
  removeEvents,
  touchQueueEmpty,
  truthTotals,
  worldScope,
} from './reconcile-fixtures.js';
import { runCliCaptured } from './run-cli-captured.js';

// The reconcile tests' settings, with the Cluster's nodes as the whole Redis configuration.
const { env: singleEnv, chPrefix } = reconcileEnv('cli-cluster', 0);
const { EVENT_HOST_REDIS_URL: _single, ...rest } = singleEnv;
const env = { ...rest, EVENT_HOST_REDIS_CLUSTER_NODES: inject('stackEnv').REDIS_CLUSTER_NODES ?? '' };
let clients: ReconcileTestClients;
let cluster: Cluster;
let host: EventHost;
let world: SampleWorld;

const cli = async (...argv: string[]) => runCliCaptured(argv, env);
/** The master (`host:port`) that holds a key's slot. */
const masterOf = async (key: string) =>
  cluster.slots[Number(await cluster.call('CLUSTER', 'KEYSLOT', key))]![0]!;
/** Drops cached hashes with their logs of recent events, one key's slot per call (no CROSSSLOT). */
const dropHashes = async (type: string, ids: readonly number[]) => {
  for (const id of ids)
    await cluster.del(defaultCacheKeys.key(type, id), `${defaultCacheKeys.key(type, id)}:recent`);
};
const imageScope = () => new Map([['Image', [...world.images]]]);
const offKeys = (r: ReconcileReport) =>
  [...new Set(r.differences.map((d) => metricKey(d.entityType, d.entityId, d.metric)))].sort();

/** Image ids with a non-zero true `metric` whose hashes sit on `count` different masters. */
async function onDifferentMasters(
  truth: Map<string, number>,
  metric: string,
  count: number,
  skip: Set<number>,
) {
  const byMaster = new Map<string, number>();
  for (const id of nonZeroIds(truth, imageScope(), 'Image', metric)) {
    const master = await masterOf(defaultCacheKeys.key('Image', id));
    if (!skip.has(id) && !byMaster.has(master)) byMaster.set(master, id);
  }
  expect(byMaster.size, 'the world spreads over the masters').toBeGreaterThanOrEqual(count);
  return [...byMaster.values()].slice(0, count);
}

/**
 * Waits until ClickHouse equals SQL truth for the whole world: the host caught up with the source (reconcile
 * waits for it) and the recomputer done with what the traffic touched, including what a recompute touches in
 * turn (a touched entity waits 10 s, and reconcile leaves out the ones still queued).
 */
async function storedEqualsTruth(queue: RedisTouchQueue) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    await touchQueueEmpty(queue);
    const r = await reconcile({
      ...reconcileClients(clients, plugins),
      selection: { kind: 'ids', ids: worldScope(world) },
    });
    const pending = (await queue.pending('Post')) + (await queue.pending('Model'));
    if (r.notCaughtUp.length === 0 && r.differences.length === 0 && pending === 0) return;
    if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify(r.differences.slice(0, 3))}`);
    await new Promise((res) => setTimeout(res, 2_000));
  }
}

beforeAll(async () => {
  if (!env.EVENT_HOST_REDIS_CLUSTER_NODES) throw new Error('the stack started no Redis Cluster');
  clients = await connectReconcileClients(env);
  cluster = clients.redis as Cluster;
  const { config, db, producer } = clients;
  await startGroupAtEnd(clients.kafka, config.kafka.groupId, sourceTopicsOf(config, plugins).create);
  host = await createEventHost({ config });
  await host.start();
  world = await createSampleWorld(db, `cc-${RUN}`);
  const publisher = new ClickHouseRowPublisher({
    clickhouse: clients.clickhouse,
    producer,
    topicPrefix: chPrefix,
  });
  await writeWorldTraffic({ db, world, publisher }, 500);
  // The last ClickHouse source rows older than the settle time (3 s).
  await new Promise((r) => setTimeout(r, 4_000));
  await storedEqualsTruth(new RedisTouchQueue(cluster, config.cacheScope));
}, 300_000);

afterAll(async () => {
  await host?.stop();
  if (clients) await dropWorldJobs(clients.clickhouse, world);
  await clients?.close();
});

describe('CLI commands on Redis Cluster', () => {
  it('metrics drift samples every master, reports exactly the corrupted hashes and repairs them', async () => {
    const scope = worldScope(world);
    const truth = await truthTotals(clients.db, clients.clickhouse, plugins, scope);
    const read = (await readMetrics(clients, plugins, scope)).get('all')!;
    expect(mismatches(truth, read)).toEqual([]); // the reader fills every hash exact
    const cached = [...scope].flatMap(([type, ids]) => ids.map((id) => defaultCacheKeys.key(type, id)));
    const masters = new Set(await Promise.all(cached.map(masterOf)));
    expect(masters.size).toBe(cluster.nodes('master').length);

    const corrupt = await onDifferentMasters(truth, 'reactionCount', 3, new Set());
    for (const id of corrupt) await cluster.hincrby(defaultCacheKeys.key('Image', id), 'reactionCount', 5);
    const found = await cli('metrics', 'drift', '--sample', '1000000', '--json');
    expect(found.code, found.stderr).toBe(3);
    const report = JSON.parse(found.stdout) as DriftReport;
    expect(report.sampled).toBe(cached.length);
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    expect([...report.details].sort(byKey)).toEqual(
      corrupt
        .map((id) => {
          const expected = truth.get(metricKey('Image', id, 'reactionCount'))!;
          return {
            key: defaultCacheKeys.key('Image', id),
            field: 'reactionCount',
            cached: expected + 5,
            expected,
          };
        })
        .sort(byKey),
    );
    expect(report.drifted).toBe(corrupt.length);

    const repaired = await cli('metrics', 'drift', '--sample', '1000000', '--repair', '--json');
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(JSON.parse(repaired.stdout)).toMatchObject({ drifted: corrupt.length, repaired: corrupt.length });
    const after = await cli('metrics', 'drift', '--sample', '1000000', '--json');
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ sampled: cached.length, drifted: 0, details: [] });
    expect(mismatches(truth, await cachedTotals(cluster, scope))).toEqual([]);
  }, 300_000);

  it('metrics reconcile reports a loss and a corrupted hash exactly; --repair makes everything equal SQL truth', async () => {
    const scope = imageScope();
    const truth = await truthTotals(clients.db, clients.clickhouse, plugins, scope);
    const lost = lossTargets(truth, scope, [['Image', 'likeCount', 2]]);
    expect(lost.length).toBe(2);
    await removeEvents(clients.clickhouse, lost);
    // Refilled after the loss: they hold ClickHouse's short values, which the corrections must move.
    await dropHashes(
      'Image',
      lost.map(([, id]) => id),
    );
    await readMetrics(clients, plugins, new Map([['Image', lost.map(([, id]) => id)]]));
    const [corrupt] = await onDifferentMasters(truth, 'reactionCount', 1, new Set(lost.map(([, id]) => id)));
    await cluster.hincrby(defaultCacheKeys.key('Image', corrupt!), 'reactionCount', -1);

    const args = [
      'metrics',
      'reconcile',
      '--entity-type',
      'Image',
      '--ids',
      world.images.join(','),
      '--json',
    ];
    const found = await cli(...args);
    expect(found.code, found.stderr).toBe(3);
    const report = JSON.parse(found.stdout) as ReconcileReport;
    expect(report.notCaughtUp).toEqual([]);
    expect(offKeys(report)).toEqual(lost.map(([t, id, m]) => metricKey(t, id, m)).sort());
    expect(report.cache.map((c) => `${c.key} ${c.field}`)).toEqual([
      `${defaultCacheKeys.key('Image', corrupt!)} reactionCount`,
    ]);

    const repaired = await cli(...args, '--repair');
    expect(repaired.code, repaired.stderr).toBe(0);
    const done = JSON.parse(repaired.stdout) as ReconcileReport;
    expect(done.repaired).toEqual({ events: report.differences.length, hashes: 1, rollup: 0 });
    // The host's apply stage increments the lost entities' hashes with the corrections.
    const cache = await waitFor(
      () => cachedTotals(cluster, scope),
      (c) => mismatches(truth, c).length === 0,
      30_000,
      'cached hashes equal to SQL truth',
    ).catch(() => cachedTotals(cluster, scope));
    expect(mismatches(truth, cache)).toEqual([]);
    expect(cache.size).toBe(truth.size);
    const again = await cli(...args);
    expect(again.code, again.stderr).toBe(0);
    const clean = JSON.parse(again.stdout) as ReconcileReport;
    expect([clean.differences, clean.cache]).toEqual([[], []]);
  }, 300_000);

  it('backfill restores lost history on the Cluster and leaves no progress behind', async () => {
    const scope = imageScope();
    const truth = await truthTotals(clients.db, clients.clickhouse, plugins, scope);
    const gone = world.images.slice(0, 10);
    await removeEntities(clients.clickhouse, new Map([['Image', gone]]));
    await dropHashes('Image', gone);
    const before = (await readMetrics(clients, plugins, scope)).get('all')!;
    expect(mismatches(truth, before).length).toBeGreaterThan(0);

    const run = await cli('backfill', '--entity-type', 'Image', '--json');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.repaired.events).toBeGreaterThan(0);
    expect(await cluster.exists(`eventbus:backfill:progress:${watermarkKeyOf(clients.config)}`)).toBe(0);
    const read = await waitFor(
      async () => (await readMetrics(clients, plugins, scope)).get('all')!,
      (r) => mismatches(truth, r).length === 0,
      30_000,
      'the reader equal to SQL truth',
    ).catch(async () => (await readMetrics(clients, plugins, scope)).get('all')!);
    expect(mismatches(truth, read)).toEqual([]);
  }, 300_000);
});
