import { HostError } from '../errors.js';
import { HostHttpServer } from '../http/http-server.js';
import { answerWithin, checkReadiness, type Readiness, sinkHealth } from '../http/readiness.js';
import { HostMetrics } from '../metrics/host-metrics.js';
import { RollupActivity } from '../metrics/rollup-activity.js';
import { messageOf } from '../metrics/sink-activity.js';
import { pingClickHouse } from './clients-feature.js';
import { type HostScope, hostTokens } from './host-scope.js';
import { type HostStatus, statusOf } from './host-status.js';
import { kafkaMonitorToken } from './kafka-monitor-feature.js';
import type { HostFeature } from './lifecycle.js';
import { periodicReconcileToken } from './periodic-reconcile-feature.js';
import { recomputeToken } from './recompute-feature.js';
import { replicationSlotsToken } from './replication-slots-feature.js';
import { samplerToken } from './sampler-feature.js';
import { searchSyncToken } from './search-sync-feature.js';

/** How long `/metrics` and the status page wait for a read of Redis (queue sizes, pending touches). */
const REDIS_READ_MS = 2_000;

/** The status server and what the host reads of it. */
export interface StatusServerFeature extends HostFeature {
  /** Base URL of the endpoints once listening, e.g. `http://127.0.0.1:9464`. */
  readonly url: string | undefined;
  readiness(): Promise<Readiness>;
  status(): Promise<HostStatus>;
}

/**
 * The host's Prometheus metrics (registered as `hostTokens.metrics`), readiness, status document and the
 * HTTP endpoints that serve them; boot listens, before the host waits for its dependencies, so `/readyz`
 * says what it waits for. Build it after the parts it reports on (pipeline, Kafka monitor, sampler…).
 */
export function statusServerFeature({ config, lifecycle, container }: HostScope): StatusServerFeature {
  const { packages, listenerPlugins } = container.get(hostTokens.plugins);
  const pipeline = container.get(hostTokens.pipeline);
  const activity = container.get(hostTokens.sinkActivity);
  const { health: kafkaHealth, lag } = container.get(kafkaMonitorToken);
  const sampler = container.get(samplerToken);
  const search = container.find(searchSyncToken);
  const slots = container.find(replicationSlotsToken);
  const recompute = container.get(recomputeToken);
  const healthRedis = container.get(hostTokens.healthRedis);
  const clickhouse = container.get(hostTokens.clickhouse);
  const bufferCapacityRows = config.batch.maxBufferedRows ?? 4 * config.batch.flushRows;
  const sinksHealthy = () => sinkHealth(pipeline.ingest, pipeline.apply);
  let lastReady = false;
  const rollup = new RollupActivity(
    container.get(hostTokens.instrumentation),
    config.rollup?.intervalMs !== 0,
  );
  lifecycle.own('rollup-activity', rollup, (r) => r.stop());

  const metrics = container.provide(
    hostTokens.metrics,
    new HostMetrics({
      instrumentation: container.get(hostTokens.instrumentation),
      listenerPlugins,
      bufferedRows: () => pipeline.ingest.bufferedRows,
      bufferCapacityRows,
      lag: () => lag.lag(),
      consumer: () => pipeline.consumerState,
      sinksHealthy,
      ready: () => lastReady,
      // Both read Redis: bounded, so that a scrape during a Redis outage answers (without those series).
      search: search && (() => answerWithin(search.stats(), REDIS_READ_MS)),
      replicationSlots: slots && (() => slots.slots()),
      recompute: () => ({
        stats: recompute.stats,
        pending: () => answerWithin(recompute.pending(), REDIS_READ_MS),
      }),
    }),
  );

  const readiness = async (): Promise<Readiness> => {
    const r = await checkReadiness({
      lifecycle: () => {
        const { phase, waiting } = lifecycle;
        if (phase === 'running') return { phase: 'running' };
        if (phase !== 'starting' && phase !== 'built') return { phase: 'stopping' };
        return {
          phase: 'starting',
          detail: waiting
            ? `waiting for ${waiting.dependency} (attempt ${waiting.attempt}; gives up after EVENT_HOST_START_DEADLINE_MS=${config.start.deadlineMs}): ${waiting.error}`
            : undefined,
        };
      },
      kafka: () => kafkaHealth.check(pipeline.consumerState.lastFailure),
      consumer: () => pipeline.consumerState,
      pingClickHouse: () => pingClickHouse(clickhouse),
      pingRedis: () => healthRedis.ping(),
      sinksHealthy,
      stalled: () => sampler.stalled,
    });
    lastReady = r.ready;
    return r;
  };

  const status = async (): Promise<HostStatus> => {
    const searchStats = search && (await answerWithin(search.stats(), REDIS_READ_MS).catch(() => undefined));
    return statusOf({
      config,
      packages,
      history: sampler.history,
      lag: lag.lag(),
      stats: pipeline.stats,
      readiness: await readiness(),
      activity,
      listenerPlugins,
      buffer: { rows: pipeline.ingest.bufferedRows, capacityRows: bufferCapacityRows },
      replicationSlots: slots?.slots(),
      // The periodic reconcile is built after this feature (it reports to the metrics): looked up when asked.
      reconcile: container.find(periodicReconcileToken)?.status(),
      rollup: rollup.status,
      searchSync: searchStats && {
        lastSuccessAt: searchStats.lastSuccessAt?.getTime() ?? null,
        failures: searchStats.failures,
        consecutiveFailures: searchStats.consecutiveFailures,
        queued: [
          ...Object.values(searchStats.queued.metrics),
          ...Object.values(searchStats.queued.feed),
        ].reduce((n, q) => n + q, 0),
        lastError: searchStats.lastFlush?.status === 'failed' ? messageOf(searchStats.lastFlush.error) : null,
      },
    });
  };

  const http = new HostHttpServer({
    title: `${config.kafka.clientId} · group ${config.kafka.groupId}`,
    alive: () => lifecycle.phase !== 'failed',
    readiness,
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.text() }),
    status,
  });
  lifecycle.own('http', http, (server) => server.close());
  let url: string | undefined;
  return {
    name: 'status-server',
    get url() {
      return url;
    },
    readiness,
    status,
    boot: async () => {
      let address: { address: string; port: number };
      try {
        address = await http.listen(config.http.port, config.http.host);
      } catch (error) {
        throw new HostError(
          'EH_START_FAILED',
          `EVENT_HOST_HTTP_PORT (http.port): cannot listen on ${config.http.host}:${config.http.port}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const shown = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
      url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`;
    },
  };
}
