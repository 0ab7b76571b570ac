import { createToken } from '@engagement/plugin-api';
import { createSearchSync, type SearchSyncService } from '@engagement/search-sync';
import pg from 'pg';
import type { HostConfig } from '../config/host-config.js';
import { type HostScope, hostTokens } from './host-scope.js';
import type { HostFeature } from './lifecycle.js';

export const searchSyncToken = createToken<SearchSyncService>('host.searchSync');

/** The package of search-sync's feed listeners: they queue the feed documents to refresh. */
const FEED_LISTENERS_PACKAGE = '@engagement/search-sync';

/** The plugin packages to load: the configured ones, and search-sync's feed listeners when it runs. */
export function pluginPackagesWithSearch(config: HostConfig): readonly string[] {
  return config.meilisearch.url && !config.plugins.packages.includes(FEED_LISTENERS_PACKAGE)
    ? [...config.plugins.packages, FEED_LISTENERS_PACKAGE]
    : config.plugins.packages;
}

/**
 * search-sync, run by the host when `meilisearch.url` is set: it drains the search queues the pipeline
 * fills into Meilisearch, on its schedule. Registers `searchSyncToken` (the pipeline reads its queue names,
 * so build it first); feed documents are read from the app database on a pool of its own.
 * It stays a host feature rather than a plugin's `onStart`: the host reads it before the pipeline exists
 * (queue names), on the status page and in the metrics, and it needs the host's own Redis and ClickHouse
 * clients, which are not plugin provisions; a start hook would hide all of that behind the plugin.
 */
export function searchSyncFeature({ config, logger, container }: HostScope): HostFeature {
  // load-config requires postgres.url with Meilisearch.
  const postgres = config.postgres.url
    ? container.provide(
        createToken<pg.Pool>('host.searchSync.postgres'),
        new pg.Pool({ connectionString: config.postgres.url, max: 2 }),
        (pool) => pool.end(),
      )
    : undefined;
  const search = container.provide(
    searchSyncToken,
    createSearchSync({
      redis: container.get(hostTokens.redis),
      clickhouse: container.get(hostTokens.clickhouse),
      postgres,
      meilisearch: { host: config.meilisearch.url!, apiKey: config.meilisearch.key },
      schedule: config.search.schedule,
      threshold: config.search.threshold,
      batchSize: config.search.batchSize,
      requestTimeoutMs: config.search.requestTimeoutMs,
      taskTimeoutMs: config.search.taskTimeoutMs,
      keyPrefix: config.search.keyPrefix,
      logger,
      instrumentation: container.get(hostTokens.instrumentation),
    }),
  );
  return {
    name: 'search-sync',
    connect: { dependency: 'search-sync', run: () => search.start() },
    stop: () => search.stop(),
  };
}
