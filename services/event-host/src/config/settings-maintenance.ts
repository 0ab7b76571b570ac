import { setting as s } from './setting.js';
import { bool, int } from './setting-schemas.js';

const ms = int(0);
const DAY_MS = 86_400_000;

/** The settings of the host's periodic checks and repairs: drift, rollup, reconcile, recompute. */
export const MAINTENANCE_SETTINGS = {
  drift: {
    intervalMs: s(ms, 'how often the host checks a sample of cached metrics for drift (0 = never)', {
      default: 300_000,
    }),
    sample: s(int(1, 1_000_000), 'entities per drift sample', { default: 200 }),
  },
  rollup: {
    intervalMs: s(
      ms,
      'how often this instance rolls the read rollup (0 = never; default EVENT_BUS_ROLLUP_INTERVAL_MS or 60 s)',
    ),
    compactEvery: s(
      int(0, 1_000_000),
      'committed rolls of this instance between two compactions of the read rollup (0 = never; default EVENT_BUS_ROLLUP_COMPACT_EVERY or 60)',
    ),
  },
  reconcile: {
    batchSize: s(int(1, 100_000), 'entities per reconcile snapshot (one Postgres transaction)', {
      default: 500,
    }),
    waitMs: s(
      int(1_000, 3_600_000),
      'how long reconcile waits for the stream to store what its snapshot sees before reporting "not caught up"',
      { default: 120_000 },
    ),
    clickhouseSettleMs: s(
      int(0, 86_400_000),
      'ClickHouse source rows younger than this are not compared (their export may be in flight)',
      { default: 60_000 },
    ),
    lockTtlMs: s(
      int(3_000, 3_600_000),
      'how long the repair lock outlives a repair that died (reconcile --repair, backfill, a recompute pass): the next repair waits that long; its holder renews it every third of it',
      { default: 60_000 },
    ),
    lockWaitMs: s(
      int(0, 3_600_000),
      'how long `metrics reconcile` and `backfill` wait for another repair to release the lock before refusing with EH_REPAIR_LOCKED',
      { default: 30_000 },
    ),
    /** The host's periodic sampled reconcile (`reconcile.enabled`), and whether it repairs what it finds. */
    enabled: s(
      bool,
      'run a sampled reconcile periodically in the host (one host of the group at a time); needs postgres.url',
      { default: false },
    ),
    intervalMs: s(int(1_000, 7 * DAY_MS), 'pause between two periodic reconciles', { default: 900_000 }),
    sampleSize: s(int(1, 1_000_000), 'entities per entity type each periodic reconcile draws', {
      default: 200,
    }),
    repair: s(
      bool,
      'let the periodic reconcile write the corrections it finds (as `metrics reconcile --repair` does); off: report only',
      { default: false },
    ),
  },
  recompute: {
    enabled: s(
      bool,
      'recompute metrics listeners touch (counts over joins) from the source; one host of the group leads (needs postgres.url)',
      { default: true },
    ),
    intervalMs: s(int(100, 3_600_000), 'pause between two recompute passes of the leader', {
      default: 2_000,
    }),
    settleMs: s(
      int(2_500, 3_600_000),
      "how long a touched entity waits before it is recomputed (more than the lookups' 2 s freshness: see docs/architecture.md)",
      { default: 10_000 },
    ),
    maxWaitMs: s(
      int(2_500, 3_600_000),
      'the longest a touched entity waits while it keeps being touched (more often than every settleMs, a busy post): it is then recomputed, and again each maxWaitMs while touches go on',
      { default: 30_000 },
    ),
    batchSize: s(int(1, 100_000), 'touched entities per entity type and recompute pass', { default: 500 }),
    waitMs: s(
      int(1_000, 3_600_000),
      'how long a recompute pass waits for the stream to store what its snapshot sees; if not, its entities wait for the next pass',
      { default: 120_000 },
    ),
  },
};
