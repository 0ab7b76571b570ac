import type { ConfigOf } from './setting.js';
import type { HOST_SETTINGS } from './settings.js';

export type { ConfigPurpose } from './setting.js';

/**
 * The validated configuration of one host, computed from the settings table (`HOST_SETTINGS`). Built by
 * `loadConfig` from `EVENT_HOST_*` variables and a file.
 */
export type HostConfig = ConfigOf<typeof HOST_SETTINGS>;
