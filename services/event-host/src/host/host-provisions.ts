import { type AppDb, createAppDb } from '@engagement/app-db';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import { appDbToken, type HostProvision } from '@engagement/plugin-api';
import { feedQueueToken, SearchUpdateQueues } from '@engagement/search-sync';
import type { HostConfig } from '../config/host-config.js';
import { type LoadedPluginPackage, loadPlugins, type ModuleImporter } from '../plugins/load-plugins.js';
import { settingsProvisions } from '../plugins/settings-provisions.js';
import { hasRedis, openRedis } from './open-redis.js';

/** Token id → the setting that makes the host provide it, for boot errors about missing dependencies. */
export const PROVIDED_BY_SETTING: Readonly<Record<string, string>> = {
  [appDbToken().id]: 'EVENT_HOST_POSTGRES_URL',
  [feedQueueToken.id]: 'EVENT_HOST_MEILISEARCH_URL',
};

/** What the host supplies to plugins, and how to release it. */
export interface HostProvisions {
  provisions: HostProvision[];
  close(): Promise<void>;
}

/** The settings that decide what the host provides to plugins. */
export type ProvisionSettings = Pick<HostConfig, 'plugins' | 'postgres' | 'redis' | 'meilisearch' | 'search'>;

/**
 * Plugin settings (`<plugin-id>.settings`); with `postgres.url`, the app database client; with
 * `meilisearch.url`, search-sync's feed queue (in Redis), which its feed listeners fill. A `dryRun` gets a
 * feed queue that drops what it is given.
 */
export function hostProvisions(config: ProvisionSettings, { dryRun = false } = {}): HostProvisions {
  const provisions = settingsProvisions(config.plugins.settings);
  let db: AppDb | undefined;
  let redis: RedisClient | undefined;
  if (config.postgres.url) {
    // Connects lazily, on the first lookup that misses its cache.
    db = createAppDb({ url: config.postgres.url });
    provisions.push({ token: appDbToken<AppDb>(), value: db });
  }
  if (dryRun) {
    // Nothing is written on a dry run: feed ids that listeners queue are dropped.
    provisions.push({ token: feedQueueToken, value: { queueFeed: async () => {} } });
  } else if (config.meilisearch.url && hasRedis(config)) {
    redis = openRedis(config);
    provisions.push({ token: feedQueueToken, value: new SearchUpdateQueues(redis, config.search.keyPrefix) });
  }
  return {
    provisions,
    close: async () => {
      redis?.disconnect();
      await db?.$disconnect();
    },
  };
}

/**
 * Loads and validates the configured plugin packages against the host's tokens, for commands that only
 * inspect the plugins (config check, reconcile, backfill): the provisions are closed again at once, and as
 * the database client connects lazily, nothing was opened.
 */
export async function inspectConfiguredPlugins(
  config: HostConfig,
  importer?: ModuleImporter,
): Promise<LoadedPluginPackage[]> {
  const host = hostProvisions(config);
  return loadPlugins(config.plugins.packages, {
    settings: config.plugins.settings,
    hostTokens: host.provisions.map((p) => p.token),
    providedBySetting: PROVIDED_BY_SETTING,
    importer,
  }).finally(() => host.close());
}
