import type { EntityMetricEvent, HostProvision, PluginDefinition, Token } from '@engagement/plugin-api';
import { createDecoder, type Decoder } from '../events/decode.js';
import type { MetricTouch } from '../metrics/metric-touch.js';
import { assemblePipeline } from '../runtime/assemble-pipeline.js';
import { startPluginHooks, stopPluginHooks } from '../runtime/plugin-hooks.js';
import { FAKE_TOPIC_PREFIX, type FakeChange } from './fake-events.js';
import type { InMemoryDeadLetters } from './in-memory-dead-letters.js';
import type { InMemoryMetricCache } from './in-memory-metric-cache.js';
import type { InMemoryMetricStore } from './in-memory-metric-store.js';
import { inMemoryPorts } from './in-memory-ports.js';
import { SendOrder } from './send-order.js';

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
  /**
   * Processes changes as the consumer would (decode, dispatch, buffer). Sending a change again is a
   * redelivery; a change whose offset goes back on its partition without having been sent (built before
   * changes sent ahead of it) throws, as the host would drop it as a redelivery.
   */
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
  /**
   * Runs the plugins' stops (see `onStart`) in reverse order of their starts. Rejects, after every stop
   * ran, with an `AggregateError` of the failures (`PluginError`s naming each plugin).
   */
  stop(): Promise<void>;
}

/**
 * Starts a test host. Plugin services are built from their real factories unless overridden; overriding
 * a service token replaces that service. The plugins' starts run before it resolves, as the host runs
 * them before consuming; call `stop()` to run their stops.
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
  const adapters = inMemoryPorts();
  const pipeline = await assemblePipeline(
    adapters.ports,
    { plugins, provisions: overrides },
    {
      decode: options.decoder ?? createDecoder({ debezium: { topicPrefix: FAKE_TOPIC_PREFIX } }),
      listenerMaxAttempts: options.listenerMaxAttempts ?? 1,
      listenerRetryBaseMs: 1,
      flushIntervalMs: Number.POSITIVE_INFINITY,
    },
  );
  await startPluginHooks(pipeline.hooks);
  const order = new SendOrder();
  return {
    async send(...changes) {
      const records = changes.map((c) => c.record);
      order.check(records);
      // One batch, as the consumer hands a partition's records over (listeners' prefetch runs once).
      await pipeline.source.send(records);
    },
    flush: () => pipeline.ingest.flush(),
    store: adapters.store,
    cache: adapters.cache,
    deadLetters: adapters.deadLetters,
    committed: pipeline.source.committed,
    published: adapters.metricTopic.published,
    touched: adapters.touched,
    get resendsSkipped() {
      return pipeline.stats.resendsSkipped;
    },
    async stop() {
      const failed = await stopPluginHooks(pipeline.hooks);
      if (failed.length > 0) {
        const ids = failed.map((e) => e.pluginId).join(', ');
        throw new AggregateError(failed, `plugin stops failed: ${ids}`);
      }
    },
  };
}
