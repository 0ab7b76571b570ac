import type { ClickHouseLocation } from '@engagement/event-bus/sinks/clickhouse';
import type { HostConfig } from './host-config.js';

/**
 * Where `openClickHouse` connects for this configuration: the server (with its credentials and database),
 * or the embedded engine's directory. `loadConfig` guarantees one of the two for purposes that need it.
 */
export function clickhouseOptions(config: Pick<HostConfig, 'clickhouse'>): ClickHouseLocation {
  const { url, path, username, password, database, requestTimeoutMs } = config.clickhouse;
  return url ? { url, username, password, database, requestTimeoutMs } : { path: path! };
}
