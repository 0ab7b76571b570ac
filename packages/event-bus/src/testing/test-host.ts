import { createDecoder, type Decoder } from '../events/decode.js';
import type { PluginDefinition } from '../listeners/define-plugin.js';
import type { Token } from '../listeners/token.js';
import type { EntityMetricEvent } from '../metrics/entity-metric-event.js';
import type { MetricTouch } from '../metrics/metric-touch.js';
import { assemblePipeline } from '../runtime/assemble-pipeline.js';
import type { HostProvision } from '../runtime/plugin-container.js';
import { ResendFilter } from '../runtime/resend-filter.js';
import { FAKE_TOPIC_PREFIX, type FakeChange } from './fake-events.js';
import { InMemoryDeadLetters } from './in-memory-dead-letters.js';
import { InMemoryFirstSeen } from './in-memory-first-seen.js';
import { InMemoryMetricCache } from './in-memory-metric-cache.js';
import { InMemoryMetricStore } from './in-memory-metric-store.js';
import { InMemoryMetricTopic } from './in-memory-metric-topic.js';
import { InMemoryRecordSource } from './in-memory-record-source.js';

/** Supplies a value for a token in a test host: `override(imagesToken, fakeImages)`. */
export function override<T>(token: Token<T>, value: T): HostProvision<T> {
  return { token, value };
}

export interface TestHostOptions {
  plugins: readonly PluginDefinition[];
  /** Values for tokens the plugins need from the host, or replacements for plugin services. */
  overrides?: readonly HostProvision[];
  decoder?: Decoder;
  /** Attempts per listener before a change is dead-lettered (default 1, so failures show at once). */
  listenerMaxAttempts?: number;
}

/** A host on in-memory adapters: the production assembly (`assemblePipeline`), minus Kafka, ClickHouse and Redis. */
export interface TestHost {
  /** Processes changes as the consumer would (decode, dispatch, buffer). */
  send(...changes: FakeChange[]): Promise<void>;
  /** Flushes the buffer: store, publish to the in-memory metric topic, apply to the cache, commit. */
  flush(): Promise<void>;
  readonly store: InMemoryMetricStore;
  readonly cache: InMemoryMetricCache;
  readonly deadLetters: InMemoryDeadLetters;
  /** Offsets committed so far, per `topic:partition`. */
  readonly committed: Record<string, string>;
  /** Changes dropped as re-sends: published again by their source at a new offset (see `ResendFilter`). */
  readonly resendsSkipped: number;
  /** Every metric event published, in order (duplicates included on replays). */
  readonly published: EntityMetricEvent[];
  /** Every touch queued for recompute, in order (see `MetricEmitter.touch`); a replay touches again. */
  readonly touched: MetricTouch[];
}

/**
 * Starts a test host. Plugin services are built from their real factories unless overridden; overriding
 * a service token replaces that service.
 */
export async function startTestHost(options: TestHostOptions): Promise<TestHost> {
  const overrides = options.overrides ?? [];
  const overridden = new Set(overrides.map((o) => o.token.id));
  // An override replaces the plugin's own service of that token.
  const plugins = options.plugins.map((p) =>
    p.services.some((s) => overridden.has(s.token.id))
      ? { ...p, services: p.services.filter((s) => !overridden.has(s.token.id)) }
      : p,
  );
  const store = new InMemoryMetricStore();
  const cache = new InMemoryMetricCache();
  const deadLetters = new InMemoryDeadLetters();
  const topic = new InMemoryMetricTopic();
  const touched: MetricTouch[] = [];
  let source!: InMemoryRecordSource;
  // The production assembly on in-memory adapters; the metric topic hands each request to the apply stage.
  const pipeline = await assemblePipeline(
    {
      source: (stages) => {
        topic.readBy((records) => stages.apply.applyBatch(records));
        source = new InMemoryRecordSource(stages);
        return source;
      },
      store,
      metricTopic: topic,
      cache,
      touches: { add: async (touches) => void touched.push(...touches) },
      deadLetters,
      // The production filter, reading positions back from this host's commits and first positions from a map.
      resends: new ResendFilter({
        firstSeen: new InMemoryFirstSeen(),
        committed: (t) => source.committedOffsets(t),
      }),
    },
    { plugins, provisions: overrides },
    {
      decode: options.decoder ?? createDecoder({ debezium: { topicPrefix: FAKE_TOPIC_PREFIX } }),
      listenerMaxAttempts: options.listenerMaxAttempts ?? 1,
      listenerRetryBaseMs: 1,
      flushIntervalMs: Number.POSITIVE_INFINITY,
    },
  );
  return {
    async send(...changes) {
      // One batch, as the consumer hands a partition's records over (listeners' prefetch runs once).
      await source.send(changes.map((c) => c.record));
    },
    flush: () => pipeline.ingest.flush(),
    store,
    cache,
    deadLetters,
    committed: source.committed,
    published: topic.published,
    touched,
    get resendsSkipped() {
      return pipeline.stats.resendsSkipped;
    },
  };
}
