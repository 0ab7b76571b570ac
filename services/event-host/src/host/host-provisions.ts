import { type AppDb, createAppDb } from '@engagement/app-db';
import { createToken, type Token } from '@engagement/event-bus';
import type { HostProvision } from '@engagement/event-bus/runtime';
import type { HostConfig } from '../config/host-config.js';
import { settingsProvisions } from '../plugins/settings-provisions.js';

/**
 * The app database client, provided as `app.db` when `postgres.url` is set. Tokens are matched by id, so
 * this is the token plugins declare (e.g. `appDbToken` of @engagement/metric-listeners) without the host
 * importing any plugin.
 */
export const appDbToken: Token<AppDb> = createToken<AppDb>('app.db');

/** Token id → the setting that makes the host provide it, for boot errors about missing dependencies. */
export const PROVIDED_BY_SETTING: Readonly<Record<string, string>> = {
  'app.db': 'EVENT_HOST_POSTGRES_URL',
};

/** What the host supplies to plugins, and how to release it. */
export interface HostProvisions {
  provisions: HostProvision[];
  close(): Promise<void>;
}

/** Plugin settings (`<plugin-id>.settings`) and, with `postgres.url`, the app database client. */
export function hostProvisions(config: Pick<HostConfig, 'plugins' | 'postgres'>): HostProvisions {
  const provisions = settingsProvisions(config.plugins.settings);
  let db: AppDb | undefined;
  if (config.postgres.url) {
    // Connects lazily, on the first lookup that misses its cache.
    db = createAppDb({ url: config.postgres.url });
    provisions.push({ token: appDbToken, value: db });
  }
  return {
    provisions,
    close: async () => {
      await db?.$disconnect();
    },
  };
}
