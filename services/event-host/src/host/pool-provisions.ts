// Provisions for worker-pool threads. Each thread imports this module by URL and builds its own clients
// (a database client cannot cross threads), from the settings the host passes as plain data.
import type { HostProvision } from '@engagement/plugin-api';
import { hostProvisions, type ProvisionSettings } from './host-provisions.js';

/** The settings a thread needs to build the host's provisions. */
export type PoolProvisionSettings = ProvisionSettings;

/** Builds, in the calling thread, what the host provides to plugins. */
export function provisions(settings: PoolProvisionSettings): HostProvision[] {
  return hostProvisions(settings).provisions;
}

/** The URL pool threads import: this module, from sources or from the build. */
export const poolProvisionsModule = new URL(
  import.meta.url.endsWith('.ts') ? './pool-provisions.ts' : './pool-provisions.js',
  import.meta.url,
).href;
