import type { ClickHouseClient } from '@clickhouse/client';
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { clickhouseOptions } from '../config/clickhouse-options.js';
import { type HostScope, hostTokens } from './host-scope.js';
import type { HostFeature } from './lifecycle.js';
import { openRedis } from './open-redis.js';

/** Pings ClickHouse; throws its error when it does not answer. */
export async function pingClickHouse(clickhouse: ClickHouseClient): Promise<void> {
  const result = await clickhouse.ping();
  if (!result.success) throw result.error;
}

/**
 * The clients the features share: the pipeline's Redis client, a fail-fast one for readiness, and
 * ClickHouse (`shared`: a client passed in, which the host then does not close, as chDB allows one engine
 * per process). Boot connects Redis (a failure is only logged: the sinks wait for it); the first
 * dependency the host waits for is ClickHouse.
 */
export async function clientsFeature(
  { config, logger, container }: HostScope,
  shared?: ClickHouseClient,
): Promise<HostFeature> {
  const redis = container.provide(hostTokens.redis, openRedis(config), (r) =>
    r.quit().catch(() => r.disconnect()),
  );
  // Readiness pings on a client of its own that fails fast while Redis is away, instead of queueing.
  const healthRedis = container.provide(
    hostTokens.healthRedis,
    openRedis(config, { enableOfflineQueue: false }),
    (r) => r.disconnect(),
  );
  for (const [name, client] of [
    ['redis', redis],
    ['redis.health', healthRedis],
  ] as const) {
    let last = 0;
    client.on('error', (err) => {
      if (Date.now() - last > 10_000) logger.warn({ err, client: name }, 'redis.connection.error');
      last = Date.now();
    });
  }
  const clickhouse = shared
    ? container.provide(hostTokens.clickhouse, shared)
    : container.provide(hostTokens.clickhouse, await openClickHouse(clickhouseOptions(config)), (c) =>
        c.close(),
      );
  return {
    name: 'clients',
    boot: async () => {
      await Promise.all([redis.connect(), healthRedis.connect()]).catch((err) =>
        logger.warn({ err }, 'redis.unreachable_at_start'),
      );
    },
    connect: { dependency: 'ClickHouse', run: () => pingClickHouse(clickhouse) },
  };
}
