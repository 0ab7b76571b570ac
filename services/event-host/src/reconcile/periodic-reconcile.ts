import type { ClickHouseClient } from '@clickhouse/client';
import { type RedisClient, RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import type { PluginDefinition } from '@engagement/plugin-api';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import type { Logger } from 'pino';
import type { HostConfig } from '../config/host-config.js';
import { cacheKeysOf, watermarkKeyOf } from '../deployment/cache-scope.js';
import { LeaderLease } from '../deployment/leader-lease.js';
import { existingSourceTopics } from '../deployment/source-topics.js';
import { HostError } from '../errors.js';
import { resolveSlot } from './catch-up.js';
import { type ReconcileReport, reconcile } from './reconcile.js';
import type { ReconcileObserver } from './reconcile-observer.js';

/** What the status page shows of the periodic reconcile. */
export interface PeriodicReconcileStatus {
  configured: true;
  intervalMs: number;
  sampleSize: number;
  repair: boolean;
  /** Whether this host holds the lease (only the holder runs it). */
  leader: boolean;
  running: boolean;
  last: {
    endedAt: number;
    seconds: number;
    entities: number;
    /** Metrics with entities off (stored events or cached hashes), worst coverage first. */
    off: {
      entityType: string;
      metric: string;
      checked: number;
      off: number;
      cacheOff: number;
      coverage: number;
    }[];
    notCompared: number;
    waitingForRecompute: number;
    repairedEvents: number;
  } | null;
  errors: number;
  lastError: { at: number; message: string } | null;
}

export interface PeriodicReconcileOptions {
  config: HostConfig;
  plugins: readonly PluginDefinition[];
  /** The host's clients; the job opens only its own Postgres pool (and a producer when it repairs). */
  clickhouse: ClickHouseClient;
  redis: RedisClient;
  admin: Admin;
  logger: Logger;
  gauges: ReconcileObserver;
}

class Stopped extends Error {}

/**
 * The host's periodic sampled reconcile (`reconcile.enabled`): every `reconcile.intervalMs` after the
 * previous run ended, the host holding the group's reconcile lease draws `reconcile.sampleSize` entities of
 * each type and compares them with the truth (`reconcile()`, read-only unless `reconcile.repair`). Results
 * go to the `eventhost_reconcile_*` series, the status page and the log.
 */
export class PeriodicReconcile {
  private readonly lease: LeaderLease;
  private readonly postgres: pg.Pool;
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private slot: string | undefined;
  private last: PeriodicReconcileStatus['last'] = null;
  private errors = 0;
  private lastError: PeriodicReconcileStatus['lastError'] = null;

  constructor(private readonly options: PeriodicReconcileOptions) {
    const { config } = options;
    this.lease = new LeaderLease(options.redis, `eventbus:reconcile:periodic:${watermarkKeyOf(config)}`, {
      ttlMs: 30_000,
      onLost: () => {
        options.gauges.leading(false);
        options.logger.warn('metrics.reconcile.lease_lost');
      },
    });
    this.postgres = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
    this.postgres.on('error', () => undefined);
    options.gauges.configured(config.reconcile.intervalMs);
  }

  /** Schedules the first run one interval from now. */
  start(): void {
    this.schedule();
  }

  /** Runs once now if this host holds (or takes) the lease; resolves when done. Errors are counted, not thrown. */
  runNow(): Promise<void> {
    this.inflight ??= this.tick().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Stops scheduling, gives a run in progress a moment to end, releases the lease and closes its clients. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.inflight) await Promise.race([this.inflight, new Promise((r) => setTimeout(r, 5_000))]);
    await this.lease.release().catch(() => undefined);
    this.options.gauges.leading(false);
    await Promise.allSettled([this.postgres.end(), this.producer?.disconnect()]);
  }

  status(): PeriodicReconcileStatus {
    const { reconcile: r } = this.options.config;
    return {
      configured: true,
      intervalMs: r.intervalMs,
      sampleSize: r.sampleSize,
      repair: r.repair,
      leader: this.lease.held,
      running: this.inflight !== undefined,
      last: this.last,
      errors: this.errors,
      lastError: this.lastError,
    };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.runNow();
      this.schedule();
    }, this.options.config.reconcile.intervalMs);
  }

  private async tick(): Promise<void> {
    const { logger, gauges } = this.options;
    try {
      const leader = await this.lease.acquire();
      gauges.leading(leader);
      if (!leader) {
        logger.debug({ lease: this.lease.key }, 'metrics.reconcile.standby');
        return;
      }
      const report = await this.runOnce();
      this.recordRun(report);
    } catch (err) {
      if (this.stopped || err instanceof Stopped) return;
      if (err instanceof HostError && err.code === 'EH_REPAIR_LOCKED') {
        logger.info({ reason: err.message }, 'metrics.reconcile.skipped');
        return;
      }
      this.errors++;
      this.lastError = { at: Date.now(), message: (err as Error).message ?? String(err) };
      gauges.failed();
      logger.warn({ err }, 'metrics.reconcile.failed');
    }
  }

  private async runOnce(): Promise<ReconcileReport> {
    const { config, plugins, clickhouse, redis, admin } = this.options;
    this.slot ??= await resolveSlot(this.postgres, config.debezium.slot);
    if (config.reconcile.repair && !this.producer) {
      const producer = new Kafka({
        clientId: `${config.kafka.clientId}-reconcile`,
        brokers: config.kafka.brokers,
        logLevel: logLevel.NOTHING,
      }).producer({ idempotent: true });
      await producer.connect();
      this.producer = producer;
    }
    const checkStopped = () => {
      if (this.stopped) throw new Stopped('the host is stopping');
    };
    return reconcile({
      plugins,
      postgres: this.postgres,
      clickhouse,
      redis,
      admin,
      producer: this.producer,
      groupId: config.kafka.groupId,
      sourceTopics: await existingSourceTopics(admin, config, plugins),
      metricTopic: config.kafka.metricTopic,
      watermarkKey: watermarkKeyOf(config),
      cacheKeys: cacheKeysOf(config),
      slot: this.slot,
      selection: { kind: 'sample', size: config.reconcile.sampleSize },
      // Entities waiting for the recomputer are in flight, not off (as `metrics reconcile` leaves them out).
      touched: new RedisTouchQueue(redis, config.cacheScope),
      lockWaitMs: config.reconcile.lockWaitMs,
      repair: config.reconcile.repair,
      batchSize: config.reconcile.batchSize,
      waitMs: config.reconcile.waitMs,
      clickhouseSettleMs: config.reconcile.clickhouseSettleMs,
      lockTtlMs: config.reconcile.lockTtlMs,
      throttle: async () => checkStopped(),
      onRound: checkStopped,
    });
  }

  private recordRun(report: ReconcileReport): void {
    const { logger, gauges } = this.options;
    const endedAt = Date.now();
    const notCompared = report.notCaughtUp.reduce((n, b) => n + b.entities, 0);
    gauges.record({
      endedAt,
      seconds: report.seconds,
      metrics: report.metrics,
      notCompared,
      waitingForRecompute: report.waitingForRecompute,
      repairedEvents: report.repaired.events,
      rollupOff: report.rollup.length,
      rollupRepaired: report.repaired.rollup,
    });
    const off = report.metrics
      .filter((m) => m.off > 0 || m.cacheOff > 0)
      .sort((a, b) => a.coverage - b.coverage)
      .map(({ entityType, metric, checked, off, cacheOff, coverage }) => ({
        entityType,
        metric,
        checked,
        off,
        cacheOff,
        coverage,
      }));
    this.last = {
      endedAt,
      seconds: report.seconds,
      entities: report.entities,
      off,
      notCompared,
      waitingForRecompute: report.waitingForRecompute,
      repairedEvents: report.repaired.events,
    };
    logger[off.length > 0 || notCompared > 0 || report.rollup.length > 0 ? 'warn' : 'info'](
      {
        run: report.run,
        entities: report.entities,
        seconds: Number(report.seconds.toFixed(2)),
        off: off.slice(0, 20),
        notCompared,
        waitingForRecompute: report.waitingForRecompute,
        repaired: report.repaired,
        notReconcilable: report.notReconcilable.length,
        rollupOff: report.rollup.slice(0, 20),
      },
      'metrics.reconcile.checked',
    );
  }
}
