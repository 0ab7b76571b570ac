import type { MetricTouch } from '../metrics/metric-touch.js';
import type { PipelinePorts } from '../runtime/assemble-pipeline.js';
import { ResendFilter } from '../runtime/resend-filter.js';
import { InMemoryDeadLetters } from './in-memory-dead-letters.js';
import { InMemoryFirstSeen } from './in-memory-first-seen.js';
import { InMemoryMetricCache } from './in-memory-metric-cache.js';
import { InMemoryMetricStore } from './in-memory-metric-store.js';
import { InMemoryMetricTopic } from './in-memory-metric-topic.js';
import { InMemoryRecordSource } from './in-memory-record-source.js';

/** In-memory adapters for every port of `assemblePipeline`, kept here so a test can read what they hold. */
export interface InMemoryAdapters {
  readonly store: InMemoryMetricStore;
  readonly cache: InMemoryMetricCache;
  readonly deadLetters: InMemoryDeadLetters;
  readonly metricTopic: InMemoryMetricTopic;
  /** Every touch queued for recompute, in order. */
  readonly touched: MetricTouch[];
  readonly ports: PipelinePorts<InMemoryRecordSource>;
}

/**
 * Ports over in-memory adapters (no search queue): the metric topic hands each request to the apply
 * stage, and the production re-send filter reads positions back from the source's commits and first
 * positions from a map. What `startTestHost` and `replay --dry-run` run the assembly on.
 */
export function inMemoryPorts(): InMemoryAdapters {
  const store = new InMemoryMetricStore();
  const cache = new InMemoryMetricCache();
  const deadLetters = new InMemoryDeadLetters();
  const metricTopic = new InMemoryMetricTopic();
  const touched: MetricTouch[] = [];
  let source: InMemoryRecordSource | undefined;
  const resends = new ResendFilter({
    firstSeen: new InMemoryFirstSeen(),
    committed: async (topic) => (source ? source.committedOffsets(topic) : []),
  });
  const ports: PipelinePorts<InMemoryRecordSource> = {
    source: (stages) => {
      metricTopic.readBy((records) => stages.apply.applyBatch(records));
      // A replay starts the filter again from the committed positions, as a restarted consumer would.
      source = new InMemoryRecordSource(stages, () => resends.reset());
      return source;
    },
    store,
    metricTopic,
    cache,
    touches: { add: async (touches) => void touched.push(...touches) },
    deadLetters,
    resends,
  };
  return { store, cache, deadLetters, metricTopic, touched, ports };
}
