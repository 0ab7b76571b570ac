// What the HostMetrics unit tests feed it: a quiet host (one listener, no traffic, healthy sinks) whose
// fields a test overrides, and search-sync figures at rest.
import { createInstrumentation } from '@engagement/event-bus/runtime';
import type { SearchSyncStats } from '@engagement/search-sync';
import type { MetricsSource } from '../src/metrics/host-metrics.js';

/** A host with the listener `image.reactions` (plugin `image-metrics`), ready, idle; `extra` replaces fields. */
export const metricsSource = (extra: Partial<MetricsSource> = {}): MetricsSource => ({
  instrumentation: createInstrumentation(),
  listenerPlugins: new Map([['image.reactions', 'image-metrics']]),
  bufferedRows: () => 0,
  bufferCapacityRows: 1,
  lag: () => [],
  consumer: () => ({ joined: true, paused: false }),
  sinksHealthy: () => ({ clickhouse: true, redis: true }),
  ready: () => true,
  build: { version: '0', node: 'v0' },
  ...extra,
});

/** search-sync's stats with nothing queued, flushed or failed; `extra` replaces fields. */
export const searchStats = (extra: Partial<SearchSyncStats> = {}): SearchSyncStats => ({
  queued: { metrics: {}, feed: {} },
  flushes: 0,
  failures: 0,
  consecutiveFailures: 0,
  settingsApplied: true,
  lastFlush: null,
  lastSuccessAt: null,
  clickhouseQueries: 0,
  feedQueries: 0,
  meilisearchDocumentRequests: 0,
  ...extra,
});
