import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { metricsOf, truthPlan } from '@engagement/event-bus/truth';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { closest } from '../../config/closest-name.js';
import { loadConfig } from '../../config/load-config.js';
import { HostError } from '../../errors.js';
import { watermarkKeyOf } from '../../host/cache-scope.js';
import { hostProvisions, PROVIDED_BY_SETTING } from '../../host/host-provisions.js';
import { sourceTopicsOf } from '../../host/source-topics.js';
import { loadPlugins } from '../../plugins/load-plugins.js';
import { resolveSlot } from '../../reconcile/catch-up.js';
import type { EntitySelection } from '../../reconcile/entity-selection.js';
import { reconcile } from '../../reconcile/reconcile.js';
import type { CliContext } from '../cli-context.js';
import { parseReconcileArgs, printReconcileReport } from './reconcile-output.js';

/**
 * `event-host metrics reconcile [--sample N | --all | --ids LIST] [--entity-type T] [--metric M] [--repair]
 * [--json]`: compares stored metric events (and cached hashes) with the listeners' truths at a consistent
 * source position; `--repair` writes the differences as corrections. Exit 3 when something is off and was
 * not repaired, or could not be compared.
 */
export async function reconcileCommand(ctx: CliContext): Promise<number> {
  const args = parseReconcileArgs(ctx.args);
  const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'reconcile' });
  const host = hostProvisions(config);
  const packages = await loadPlugins(config.plugins.packages, {
    settings: config.plugins.settings,
    hostTokens: host.provisions.map((p) => p.token),
    providedBySetting: PROVIDED_BY_SETTING,
    importer: ctx.importer,
  }).finally(() => host.close());
  const plugins = packages.flatMap((p) => p.plugins);
  const plan = truthPlan(plugins);
  const known = [...plan.byEntityType.keys()];
  if (args.entityType && !known.includes(args.entityType)) {
    const near = closest(args.entityType, known);
    throw new HostError(
      'EH_USAGE',
      `--entity-type ${args.entityType}: no truth covers it${near ? ` (did you mean ${near}?)` : ''}; known: ${known.join(', ')}`,
    );
  }
  const types = args.entityType ? [args.entityType] : known.sort();
  const metrics = new Set(types.flatMap((t) => metricsOf(plan, t)));
  if (args.metric && !metrics.has(args.metric)) {
    const near = closest(args.metric, metrics);
    throw new HostError(
      'EH_USAGE',
      `--metric ${args.metric}: no such metric${near ? ` (did you mean ${near}?)` : ''}`,
    );
  }
  const selection: EntitySelection = args.ids
    ? { kind: 'ids', ids: new Map([[args.entityType!, args.ids]]) }
    : args.all
      ? { kind: 'all' }
      : { kind: 'sample', size: args.sample ?? 1000 };

  const postgres = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
  postgres.on('error', () => undefined);
  const redis = new Redis(config.redis.url!, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const kafka = new Kafka({
    clientId: `${config.kafka.clientId}-reconcile`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = args.repair ? kafka.producer({ idempotent: true }) : undefined;
  const clickhouse = await openClickHouse(
    config.clickhouse.url
      ? {
          url: config.clickhouse.url,
          username: config.clickhouse.username,
          password: config.clickhouse.password,
          database: config.clickhouse.database,
        }
      : { path: config.clickhouse.path! },
  );
  try {
    await Promise.all([redis.connect(), admin.connect(), producer?.connect()]);
    const listed = await admin.listTopics();
    const sourceTopics = sourceTopicsOf(config, plugins).subscribe.flatMap((t) =>
      typeof t === 'string' ? [t] : listed.filter((name) => t.test(name)),
    );
    const report = await reconcile({
      plugins,
      postgres,
      clickhouse,
      redis,
      admin,
      producer,
      groupId: config.kafka.groupId,
      sourceTopics: sourceTopics.filter((t) => listed.includes(t)),
      metricTopic: config.kafka.metricTopic,
      watermarkKey: watermarkKeyOf(config),
      slot: await resolveSlot(postgres, config.debezium.slot),
      entityTypes: types,
      metric: args.metric,
      selection,
      repair: args.repair,
      batchSize: args.batchSize ?? config.reconcile.batchSize,
      waitMs: config.reconcile.waitMs,
      clickhouseSettleMs: config.reconcile.clickhouseSettleMs,
      onProgress: args.json ? undefined : (line) => ctx.stderr.write(`${line}\n`),
    });
    return printReconcileReport(ctx, report, args);
  } finally {
    await Promise.allSettled([
      admin.disconnect(),
      producer?.disconnect(),
      postgres.end(),
      clickhouse.close(),
    ]);
    redis.disconnect();
  }
}
