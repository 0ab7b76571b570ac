// Growth bench (issue 16): how a 100-entity cache miss and a search-sync metrics flush cost as
// entityMetricEvents grows. Run with the local stack up (only its Redis is used):
//   npm run bench:growth -- [--sizes 1,10,30] [--samples 30] [--flush 1000,10000,50000] [--after-merge]
//     [--no-rollup] [--no-compact] [--live 50000] [--settle] [--flush-runs 1] [--flush-warmup 1] [--chunks 2500]
//     [--fake-in-process] [--roll-state-max-age 1000] [--batch 10000]
//   (the same: npx tsx --conditions=source packages/search-sync/bench/growth.ts …)
// It lives in search-sync because it drives both the event-bus reader and search-sync's flush, and only
// search-sync may depend on event-bus.
//
// ClickHouse is a private embedded engine (chDB) in a temp dir. 100 target Models with 1,000 events each are
// inserted first; background events (six entity types, ~1M ids per type, a year of createdAt) are then
// generated in SQL in 500k-row chunks up to each size (millions of background rows). At each size:
// - cache miss: the real MetricReader (@engagement/event-bus/reader) on the stack's Redis, the 100 hashes
//   deleted before every sample, so every read is a miss filled by one ClickHouse query (readMetricTotals);
// - rows read: the delta of chDB's SelectedRows / SelectedMarks counters (system.events) around each read,
//   minus what reading system.events itself adds (chDB has no system.query_log, and its query summary reports
//   result rows as read_rows);
// - active parts of the table, before and after the samples (background merges run meanwhile);
// - the miss's steps (p50 / p95 / max): the Redis read and the claim, the ClickHouse query, the commit.
// At the largest size, search-sync's flush (createSearchSync, Meilisearch fake) of 1k/10k/50k queued Image
// ids: wall time of flushNow, split into its ClickHouse queries, the Meilisearch fake's own work (its CPU time:
// it runs in a process of its own, as a server would; in this one with --fake-in-process, as before
// 2026-12-01) and search-sync's own rest; `--flush-runs R` flushes each size R times on fresh indexes and
// reports the run with the median wall time. `--chunks` lists search-sync `chunkSize`s (ids per query and
// request, 0 the whole round) run interleaved, one column each; when chunks overlap, the parts add up to more
// than the wall time. `--after-merge` then runs
// OPTIMIZE TABLE … FINAL and measures the miss again.
// Read rollup (issue 16; off with --no-rollup, which reads the event table with FINAL as before): after each
// 500k-row chunk the bench rolls (rollMetricEvents, timed) and empties the recent table, as the 15-minute
// slot drop would for events inserted long ago; then `--live` fresh background events (default 50,000) are
// inserted and left unrolled, so every miss also reads an open part of that size, just after a roll that
// finds nothing new (a host rolls every 60 s, so its reads find a head they can reuse). Before that, the
// rollup is compacted as hosts do hourly (closed months folded to one row per entity and metric) and the rows
// the compactions replaced are deleted, as their sweep would 25 minutes later (`--no-compact`: daily rows
// only, as before 2026-12-06).
// `--roll-state-max-age 0,1000` lists the reader's `rollStateMaxAgeMs` (its default, 1 s, when omitted; 0 reads
// the roll state for every miss, as readers did before 2026-12-05): one reader each, their miss samples
// alternated, a column each labelled `<size> r<ms>` (the slope line is the last reader's).
// The table's data and rolls are in growth-table.ts, the printed report in growth-report.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetricReader, type ReadStats } from '@engagement/event-bus/reader';
import { ensureMetricEventTable, openClickHouse, rollupTables } from '@engagement/event-bus/sinks/clickhouse';
import { defaultCacheKeys } from '@engagement/event-bus/sinks/redis';
import { Redis } from 'ioredis';
import { Meilisearch } from 'meilisearch';
import { readStackEnv } from '../../../infra/stack/env.js';
import { seededRandom } from '../../../scripts/sample-traffic/random.js';
import { selectedCounters } from '../../event-bus/bench/chdb-counters.js';
import { percentile } from '../../event-bus/bench/stats.js';
import { FakeMeilisearch } from '../src/testing/index.js';
import { benchSearchSync, meterQueries, timedFlush } from './bench-search-sync.js';
import { type BenchFake, startFakeProcess } from './fake-process.js';
import { type FlushFigures, loadAverage, type MissFigures, printGrowthReport } from './growth-report.js';
import {
  CHUNK,
  EVENTS_PER_TARGET,
  GrowthTable,
  one,
  TARGET_TYPES,
  TARGETS,
  targetIds,
} from './growth-table.js';

const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const list = (value: string | undefined, fallback: number[]) =>
  value ? value.split(',').map(Number) : fallback;

const SIZES = list(flag('sizes'), [1, 10, 30]); // millions of background rows
const SAMPLES = Number(flag('samples') ?? 30);
const FLUSH_SIZES = list(flag('flush'), [1_000, 10_000, 50_000]);
const AFTER_MERGE = process.argv.includes('--after-merge');
const ROLLUP = !process.argv.includes('--no-rollup');
const SETTLE = process.argv.includes('--settle');
const FAKE_IN_PROCESS = process.argv.includes('--fake-in-process');
const FLUSH_RUNS = Number(flag('flush-runs') ?? 1);
// Flushes per size and chunk size run first and left out: a process's first flushes run on a cold JIT and
// beside the merges the fill started, 1.5-2.5x slower than later ones (docs/performance-history.md, "Tenth
// session").
const FLUSH_WARMUP = Number(flag('flush-warmup') ?? 1);
// Ids per query and request within the flush's round (search-sync's default 2,500); 0 is the whole round.
// Several are run interleaved.
const FLUSH_CHUNKS = list(flag('chunks'), [2_500]);
// Ids per round (search-sync's `batchSize`): 10,000 as in every figure so far, so that a 10k flush is one round;
// search-sync's own default is 5,000 (two rounds, one after the other).
const FLUSH_BATCH = Number(flag('batch') ?? 10_000);
const LIVE = ROLLUP ? Number(flag('live') ?? 50_000) : 0;

const env = readStackEnv();
const redis = new Redis(env.REDIS_URL!);
const dir = mkdtempSync(join(tmpdir(), 'search-sync-growth-'));
const clickhouse = await openClickHouse({ path: dir });
await ensureMetricEventTable(clickhouse);
if (!ROLLUP) {
  // Without the rollup's tables readMetricTotals reads the event table with FINAL, as before issue 16.
  const t = rollupTables();
  for (const name of [t.mv, t.recent, t.daily, t.rolls])
    await clickhouse.command({ query: `DROP TABLE IF EXISTS ${name}` });
}
const fakeOptions = { apiKey: 'k', processingMs: 1 };
const fake: BenchFake = FAKE_IN_PROCESS
  ? await FakeMeilisearch.start(fakeOptions)
  : await startFakeProcess(fakeOptions);
const nowMs = Date.now();
const loadBefore = loadAverage();
const started = performance.now();
const COMPACT = ROLLUP && !process.argv.includes('--no-compact');
// --daily-settings 'name=value,…': MergeTree settings put on the daily table before it fills (ALTER … MODIFY
// SETTING), to see how merge settings change the parts a miss reads.
const DAILY_SETTINGS = flag('daily-settings');
if (ROLLUP && DAILY_SETTINGS)
  await clickhouse.command({
    query: `ALTER TABLE ${rollupTables().daily} MODIFY SETTING ${DAILY_SETTINGS.split(',').join(', ')}`,
  });
const growth = new GrowthTable(clickhouse, { nowMs, rollup: ROLLUP, live: LIVE, compact: COMPACT });
const rollup = rollupTables();

/** chDB's cumulative read counters (the delta around a query is what it read). */
const counters = () => selectedCounters(clickhouse);
const a = await counters();
const b = await counters();
const counterOverhead = b.rows - a.rows; // rows of system.events itself

async function activeParts(table = 'entityMetricEvents'): Promise<{ parts: number; rows: number }> {
  const r = await one<{ parts: string; rows: string }>(
    clickhouse,
    `SELECT count() AS parts, sum(rows) AS rows FROM system.parts WHERE table = '${table}' AND active`,
  );
  return { parts: Number(r.parts), rows: Number(r.rows) };
}

await growth.insertTargets();

let last: ReadStats | undefined;
/** When the current sample's fill reached each step (the reader's `onFillStep`). */
const stepAt = new Map<string, number>();
// One reader per `--roll-state-max-age` value (the reader's default when omitted); with several, the miss
// samples alternate between them and each gets its own column.
const ROLL_STATE_AGES = flag('roll-state-max-age')?.split(',').map(Number) ?? [undefined];
const readers = ROLL_STATE_AGES.map((age) => ({
  suffix: ROLL_STATE_AGES.length > 1 ? ` r${age}` : '',
  reader: createMetricReader({
    redis,
    clickhouse,
    onRead: (s) => (last = s),
    onFillStep: (step: string) => void stepAt.set(step, performance.now()),
    ...(age === undefined ? {} : { rollStateMaxAgeMs: age }),
  }),
}));
const request = {
  entityType: 'Model',
  entityIds: targetIds,
  metrics: ['downloadCount', 'likeCount', 'commentCount', 'rating'] as const,
  timeframes: ['day', 'week', 'month', 'year', 'all'] as const,
};
const keys = targetIds.map((id) => defaultCacheKeys.key('Model', id));

/** Background merges running now (chDB runs them in this process, on the same 2 cores as the reads). */
async function merges(): Promise<number> {
  return Number((await one<{ n: string }>(clickhouse, 'SELECT count() AS n FROM system.merges')).n);
}

/**
 * --settle: wait (up to 5 min) until no merge runs, as in a table that grew over months rather than minutes;
 * the parts stay as many as the merges left them (no OPTIMIZE).
 */
async function settle(): Promise<void> {
  for (let waited = 0; SETTLE && waited < 300 && (await merges()) > 0; waited++) {
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function measureMiss(label: string, fillSeconds: number): Promise<MissFigures[]> {
  const mergesBefore = await merges();
  const before = await activeParts();
  for (let i = 0; i < 3; i++) {
    for (const { reader } of readers) {
      await redis.del(...keys);
      await reader.getMetrics(request);
    }
  }
  const samples = readers.map(() => ({
    ms: [] as number[],
    /** Per sample: up to the claim (the Redis read and the claim), the query, the commit. */
    steps: [[], [], []] as number[][],
    rowsRead: [] as number[],
    marksRead: [] as number[],
  }));
  for (let i = 0; i < SAMPLES; i++) {
    for (const [r, { reader }] of readers.entries()) {
      await redis.del(...keys);
      const c0 = await counters();
      const t0 = performance.now();
      stepAt.clear();
      const values = await reader.getMetrics(request);
      const t1 = performance.now();
      samples[r]!.ms.push(t1 - t0);
      const [claimed, queried] = [stepAt.get('claimed')!, stepAt.get('queried')!];
      for (const [k, ms] of [claimed - t0, queried - claimed, t1 - queried].entries())
        samples[r]!.steps[k]!.push(ms);
      const c1 = await counters();
      samples[r]!.rowsRead.push(c1.rows - c0.rows - counterOverhead);
      samples[r]!.marksRead.push(c1.marks - c0.marks);
      if (last?.misses !== TARGETS || last.filled !== TARGETS)
        throw new Error(`expected ${TARGETS} misses: ${JSON.stringify(last)}`);
      // Every target has 200 events of each metric type; a read that finds them all is a real read.
      if (values.get(targetIds[0]!)!.downloadCount.all !== EVENTS_PER_TARGET / TARGET_TYPES.length)
        throw new Error(`unexpected total: ${JSON.stringify(values.get(targetIds[0]!))}`);
    }
  }
  const after = await activeParts();
  const daily = await activeParts(rollup.daily);
  const dailyPartRows = await one<{ rows: string }>(
    clickhouse,
    `SELECT arrayStringConcat(arraySort(x -> -x, groupArray(rows)), ' ') AS rows FROM system.parts WHERE table = '${rollup.daily}' AND active`,
  );
  console.error(`[growth] ${label} daily parts' rows: ${dailyPartRows.rows}`);
  return readers.map(({ suffix }, r) => {
    const figures = {
      label: label + suffix,
      tableRows: after.rows,
      partsBefore: before.parts,
      partsAfter: after.parts,
      dailyParts: daily.parts,
      dailyRows: daily.rows,
      mergesBefore,
      p50: percentile(samples[r]!.ms, 50),
      p99: percentile(samples[r]!.ms, 99),
      rowsRead: percentile(samples[r]!.rowsRead, 50),
      marksRead: percentile(samples[r]!.marksRead, 50),
      fillSeconds,
    };
    console.error(`[growth] ${figures.label}: ${JSON.stringify(figures)} load ${loadAverage()}`);
    const step = (name: string, k: number) => {
      const ms = samples[r]!.steps[k]!;
      return `${name} ${[50, 95, 100].map((p) => percentile(ms, p).toFixed(1)).join(' / ')}`;
    };
    console.error(
      `[growth] ${figures.label} miss steps, p50 / p95 / max ms: ${step('read and claim', 0)}, ${step('query', 1)}, ${step('commit', 2)}`,
    );
    return figures;
  });
}

async function measureFlush(n: number, run: number, chunk: number): Promise<FlushFigures> {
  const uid = `growth_images_${n}_${run}_${chunk}_${nowMs}`;
  // Background Image ids spread over the key space (ids are 1..1,000,000; most have events).
  const step = Math.floor(1_000_000 / n);
  const ids = Array.from({ length: n }, (_, i) => 1 + i * step);
  const meili = new Meilisearch({ host: fake.host, apiKey: 'k' });
  await meili
    .index(uid)
    .addDocuments(
      ids.map((id) => ({ id })),
      { primaryKey: 'id' },
    )
    .waitTask({ timeout: 120_000 });
  const { client, meter } = meterQueries(clickhouse);
  // 0: the round in one chunk.
  const sync = benchSearchSync({
    redis,
    clickhouse: client,
    host: fake.host,
    uid,
    batchSize: FLUSH_BATCH,
    chunkSize: chunk || FLUSH_BATCH,
  });
  // Queued in no particular order, as events arrive: a fixed shuffle of the ids.
  await sync.queues.queueMetrics('Image', shuffled(ids));
  const c0 = await counters();
  const split = await timedFlush(sync, meter, fake);
  const c1 = await counters();
  const stats = await sync.stats();
  if (stats.queued.metrics.Image) throw new Error(`flush left ${stats.queued.metrics.Image} ids queued`);
  // Every document got its fields: the flush really wrote them (the likes of id 1 + step exist or are 0).
  const doc = await meili.index(uid).getDocument(ids[1]!);
  if (doc.likeCountAllTime === undefined) throw new Error('document not updated');
  await redis.del(...(await redis.keys(`bench:${uid}:*`)), 'nothing');
  await meili.deleteIndex(uid).waitTask({ timeout: 120_000 });
  const figures = { n, chunk, ...split, rowsRead: c1.rows - c0.rows - counterOverhead };
  const warmUp = run < 0 ? ' (warm-up, left out)' : '';
  console.error(`[growth] flush ${JSON.stringify(figures)} load ${loadAverage()}${warmUp}`);
  return figures;
}

/** `xs` in an order fixed by its length (Fisher–Yates on the sample traffic's seeded generator). */
function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  const random = seededRandom(out.length);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Flushes `n` ids FLUSH_RUNS times with each chunk size, the sizes interleaved (their order rotating from run
 * to run); per chunk size, the run with the median wall time.
 */
async function medianFlushes(n: number): Promise<FlushFigures[]> {
  const runs = new Map<number, FlushFigures[]>(FLUSH_CHUNKS.map((c) => [c, []]));
  for (let run = -FLUSH_WARMUP; run < 0; run++) {
    for (const chunk of FLUSH_CHUNKS) await measureFlush(n, run, chunk);
  }
  for (let run = 0; run < FLUSH_RUNS; run++) {
    for (let k = 0; k < FLUSH_CHUNKS.length; k++) {
      const chunk = FLUSH_CHUNKS[(run + k) % FLUSH_CHUNKS.length]!;
      runs.get(chunk)!.push(await measureFlush(n, run, chunk));
    }
  }
  return FLUSH_CHUNKS.map((c) => runs.get(c)!.sort((x, y) => x.ms - y.ms)[Math.floor((FLUSH_RUNS - 1) / 2)]!);
}

const misses: MissFigures[] = [];
const flushes: FlushFigures[] = [];
try {
  for (const size of SIZES) {
    const fillMs = await growth.fillTo(size * 1_000_000);
    await settle();
    await growth.openPart();
    misses.push(...(await measureMiss(`${size}M`, fillMs / 1000)));
  }
  const largest = `${SIZES.at(-1)}M`;
  for (const n of FLUSH_SIZES) flushes.push(...(await medianFlushes(n)));
  if (AFTER_MERGE) {
    const t0 = performance.now();
    await clickhouse.command({ query: 'OPTIMIZE TABLE entityMetricEvents FINAL' });
    if (ROLLUP) await clickhouse.command({ query: `OPTIMIZE TABLE ${rollup.daily} FINAL` });
    // No roll here, which would take the live events: when OPTIMIZE takes longer than HEAD_REUSE_MS,
    // every read also reads the roll state.
    misses.push(...(await measureMiss(`${largest} merged`, (performance.now() - t0) / 1000)));
  }
} finally {
  await redis.del(...keys);
  redis.disconnect();
  await fake.close();
  await clickhouse.close();
  rmSync(dir, { recursive: true, force: true });
}

printGrowthReport(misses, flushes, {
  eventsPerTarget: EVENTS_PER_TARGET,
  samples: SAMPLES,
  rollup: ROLLUP
    ? {
        rolls: growth.rolls,
        rollMs: growth.rollMs,
        compactions: COMPACT ? growth.compactions : undefined,
        compactMs: growth.compactMs,
        chunk: CHUNK,
        live: LIVE,
      }
    : undefined,
  loadBefore,
  started,
});
