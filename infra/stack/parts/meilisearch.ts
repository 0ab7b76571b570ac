import type { Part } from '../part.js';

const meiliUrl = () => process.env.MEILISEARCH_URL || undefined;

const healthy = (url: string) =>
  fetch(new URL('/health', url), { signal: AbortSignal.timeout(2000) })
    .then((r) => r.ok)
    .catch(() => false);

/** No Meilisearch binary can be installed on these machines, so the stack only points at one. */
export const meilisearchPart: Part = {
  name: 'search',

  async status() {
    const url = meiliUrl();
    if (!url) return { name: 'search', state: 'disabled', detail: 'MEILISEARCH_URL not set' };
    const ok = await healthy(url);
    return { name: 'search', state: ok ? 'remote' : 'unreachable', detail: url };
  },

  async up() {
    const url = meiliUrl();
    if (!url) return { outcome: 'skipped', detail: 'disabled (MEILISEARCH_URL not set)' };
    if (!(await healthy(url))) throw new Error(`Meilisearch at ${url} is not healthy (${url}/health)`);
    return { outcome: 'running', detail: url };
  },

  async down() {
    return meiliUrl() ? 'remote, untouched' : 'disabled';
  },

  env: (): Record<string, string> => (meiliUrl() ? { MEILISEARCH_URL: meiliUrl() as string } : {}),
};
