import { createDecoder, type Decoder } from '../events/decode.js';
import type { PluginDefinition } from '../listeners/define-plugin.js';
import { silentLogger } from '../listeners/logger.js';
import type { Token } from '../listeners/token.js';
import type { EntityMetricEvent } from '../metrics/entity-metric-event.js';
import { encodeMetricMessages } from '../metrics/metric-message.js';
import type { MetricTouch } from '../metrics/metric-touch.js';
import { ApplyStage } from '../runtime/apply-stage.js';
import { type CommitOffsets, IngestStage } from '../runtime/ingest-stage.js';
import { type HostProvision, PluginContainer } from '../runtime/plugin-container.js';
import { LocalProcessor } from '../runtime/record-processor.js';
import { ResendFilter } from '../runtime/resend-filter.js';
import { validatePlugins } from '../runtime/validate-plugins.js';
import { FAKE_TOPIC_PREFIX, type FakeChange } from './fake-events.js';
import { InMemoryDeadLetters } from './in-memory-dead-letters.js';
import { InMemoryFirstSeen } from './in-memory-first-seen.js';
import { InMemoryMetricCache } from './in-memory-metric-cache.js';
import { InMemoryMetricStore } from './in-memory-metric-store.js';

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

/** A host on in-memory sinks: the same stages as production, minus Kafka, ClickHouse and Redis. */
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
  const registered = validatePlugins(
    plugins,
    overrides.map((o) => o.token),
  );
  const container = await PluginContainer.create(plugins, overrides);
  const processor = new LocalProcessor({
    decode: options.decoder ?? createDecoder({ debezium: { topicPrefix: FAKE_TOPIC_PREFIX } }),
    listeners: registered,
    container,
    logger: silentLogger,
    maxAttempts: options.listenerMaxAttempts ?? 1,
    retryBaseMs: 1,
  });
  const store = new InMemoryMetricStore();
  const cache = new InMemoryMetricCache();
  const deadLetters = new InMemoryDeadLetters();
  const committed: Record<string, string> = {};
  const metadata: Record<string, string | null> = {};
  const published: EntityMetricEvent[] = [];
  const touched: MetricTouch[] = [];
  let resendsSkipped = 0;
  // The production filter, reading positions back from this host's commits and first positions from a map.
  const resends = new ResendFilter({
    firstSeen: new InMemoryFirstSeen(),
    committed: async (topic) =>
      Object.entries(committed)
        .filter(([key]) => key.slice(0, key.lastIndexOf(':')) === topic)
        .map(([key, offset]) => ({
          partition: Number(key.slice(key.lastIndexOf(':') + 1)),
          offset,
          metadata: metadata[key] ?? null,
        })),
  });
  const apply = new ApplyStage({ deadLetters, applyToCache: (events) => cache.apply(events) });
  const ingest = new IngestStage({
    processor,
    deadLetters,
    store: (rows) => store.insert(rows),
    // Round-trips through the wire format, so tests cover what production sends.
    publish: async (rows) => {
      const offset = published.length;
      published.push(...rows);
      const records = encodeMetricMessages(rows).map((m, i) => ({
        topic: 'eventbus.entity-metric-events',
        partition: 0,
        offset: String(offset + i),
        key: Buffer.from(m.key),
        value: Buffer.from(m.value),
      }));
      await apply.applyBatch(records);
    },
    commit: async (offsets: CommitOffsets) => {
      for (const o of offsets) {
        committed[`${o.topic}:${o.partition}`] = o.offset;
        metadata[`${o.topic}:${o.partition}`] = o.metadata ?? null;
      }
    },
    touches: { add: async (touches) => void touched.push(...touches) },
    resends,
    onSkip: (_record, reason) => {
      if (reason === 'resend') resendsSkipped++;
    },
    flushIntervalMs: Number.POSITIVE_INFINITY,
  });
  return {
    async send(...changes) {
      // One batch, as the consumer hands a partition's records over (listeners' prefetch runs once).
      await ingest.processBatch(changes.map((c) => c.record));
    },
    flush: () => ingest.flush(),
    store,
    cache,
    deadLetters,
    committed,
    published,
    touched,
    get resendsSkipped() {
      return resendsSkipped;
    },
  };
}
