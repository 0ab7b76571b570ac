import type { ClickHouseClient } from '@clickhouse/client';
import type { Instrumentation } from '@engagement/event-bus/runtime';
import { type RedisClient, RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import type { Logger, PluginDefinition } from '@engagement/plugin-api';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import type { HostConfig } from '../config/host-config.js';
import { cacheKeysOf, watermarkKeyOf } from '../deployment/cache-scope.js';
import { sourceTopicsOf } from '../deployment/source-topics.js';
import { resolveSlot } from '../reconcile/catch-up.js';
import { Recomputer, type RecomputeStats } from './recomputer.js';

/**
 * The host's recomputer and the clients it needs apart from the pipeline's (a Postgres pool for snapshots,
 * a Kafka admin for the catch-up wait, a producer for corrections). Built with the host; `start` connects
 * and begins competing for the lease. Without `postgres.url` it cannot run: touched metrics then drift,
 * and `start` says so in the log.
 */
export class HostRecompute {
  private recomputer: Recomputer | undefined;
  private readonly postgres: pg.Pool | undefined;
  private readonly admin: Admin | undefined;
  private readonly producer: Producer | undefined;

  constructor(
    private readonly config: HostConfig,
    private readonly plugins: readonly PluginDefinition[],
    private readonly clickhouse: ClickHouseClient,
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    /** Where the recomputer reports its passes (`recompute.pass.*`). */
    private readonly instrumentation?: Pick<Instrumentation, 'emit'>,
  ) {
    if (!config.recompute.enabled || !config.postgres.url) return;
    this.postgres = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
    this.postgres.on('error', () => undefined);
    const kafka = new Kafka({
      clientId: `${config.kafka.clientId}-recompute`,
      brokers: config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    this.admin = kafka.admin();
    this.producer = kafka.producer({ idempotent: true });
  }

  /** What the recomputer did (undefined until it runs). */
  get stats(): RecomputeStats | undefined {
    return this.recomputer?.stats;
  }

  /** Entities waiting per entity type (empty until it runs). */
  pending(): Promise<Record<string, number>> {
    return this.recomputer?.pending() ?? Promise.resolve({});
  }

  async start(): Promise<void> {
    const { config, admin } = this;
    if (!this.postgres || !admin || !this.producer) {
      if (config.recompute.enabled)
        this.logger.warn(
          'recompute.disabled: EVENT_HOST_POSTGRES_URL is not set; metrics kept by recompute on touch (Post reactions after image moves, Model.imageCount) will drift',
        );
      return;
    }
    await Promise.all([admin.connect(), this.producer.connect()]);
    const topics = sourceTopicsOf(config, this.plugins).subscribe;
    this.recomputer = new Recomputer({
      plugins: this.plugins,
      postgres: this.postgres,
      clickhouse: this.clickhouse,
      redis: this.redis,
      admin,
      producer: this.producer,
      groupId: config.kafka.groupId,
      metricTopic: config.kafka.metricTopic,
      watermarkKey: watermarkKeyOf(config),
      cacheKeys: cacheKeysOf(config),
      slot: await resolveSlot(this.postgres, config.debezium.slot),
      queue: new RedisTouchQueue(this.redis, config.cacheScope),
      scopeKey: watermarkKeyOf(config),
      sourceTopics: async () => {
        const listed = await admin.listTopics();
        return topics
          .flatMap((t) => (typeof t === 'string' ? [t] : listed.filter((name) => t.test(name))))
          .filter((t) => listed.includes(t));
      },
      settleMs: config.recompute.settleMs,
      maxWaitMs: config.recompute.maxWaitMs,
      intervalMs: config.recompute.intervalMs,
      batchSize: config.recompute.batchSize,
      waitMs: config.recompute.waitMs,
      clickhouseSettleMs: config.reconcile.clickhouseSettleMs,
      lockTtlMs: config.reconcile.lockTtlMs,
      logger: this.logger,
      instrumentation: this.instrumentation,
    });
    this.recomputer.start();
  }

  async stop(): Promise<void> {
    await this.recomputer?.stop();
    await Promise.allSettled([this.admin?.disconnect(), this.producer?.disconnect(), this.postgres?.end()]);
  }
}
