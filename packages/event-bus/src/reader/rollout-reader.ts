import type { MetricTimeframe } from '../sinks/clickhouse/timeframes.js';
import type { MetricReader, MetricRequest, MetricValues } from './metric-reader.js';

/**
 * Who answers a read during a rollout (the plan's step 6, both systems running in parallel):
 * - `legacy`: today's read (the old metric tables) alone;
 * - `shadow`: today's read answers, and the stream's reader reads the same values beside it, to compare;
 * - `stream`: the stream's reader alone (cut over; flip back to `legacy` to roll back while the old jobs run).
 */
export type RolloutMode = 'legacy' | 'shadow' | 'stream';

/** One value the two sources gave differently in a `shadow` read. */
export interface RolloutDifference {
  entityType: string;
  entityId: number;
  metric: string;
  timeframe: MetricTimeframe;
  legacy: number;
  stream: number;
}

export interface RolloutReaderOptions {
  /** Today's read of the same metrics, shaped like the reader's (every requested value present). */
  legacy: MetricReader;
  /** The stream's reader (`createMetricReader`). */
  stream: MetricReader;
  /**
   * The mode of one request, e.g. a feature flag's variant for its entity type (Flipt in the plan). Asked for
   * every request, so a flag flipped takes effect at the next read.
   */
  mode(request: MetricRequest<string, MetricTimeframe>): RolloutMode | Promise<RolloutMode>;
  /** The mode when `mode` fails (a flag service that is down): default `legacy`. */
  fallback?: RolloutMode;
  /** After a `shadow` read: the values that differ (called only when some do). */
  onDifferences?(differences: RolloutDifference[]): void;
  /** A failure the caller does not see: the shadow read's, or `mode`'s. */
  onError?(error: unknown, where: 'mode' | 'shadow'): void;
}

/**
 * A reader for the rollout: each request goes to the source its mode names. In `shadow`, the caller gets
 * today's values as soon as they are read, never waits for the stream's read nor fails with it; the two are
 * compared once both are in. A difference is not by itself an error of the stream: the old tables are
 * recomputed by periodic jobs, so they lag the source. What the stream's numbers must equal is SQL over
 * the source, which `metrics reconcile` checks (docs/reconcile.md).
 */
export function createRolloutReader(options: RolloutReaderOptions): MetricReader {
  const fallback = options.fallback ?? 'legacy';
  const modeOf = async (request: MetricRequest<string, MetricTimeframe>): Promise<RolloutMode> => {
    try {
      return await options.mode(request);
    } catch (error) {
      options.onError?.(error, 'mode');
      return fallback;
    }
  };
  return {
    async getMetrics<M extends string, T extends MetricTimeframe>(
      request: MetricRequest<M, T>,
    ): Promise<MetricValues<M, T>> {
      const mode = await modeOf(request);
      if (mode === 'stream') return options.stream.getMetrics(request);
      if (mode === 'legacy') return options.legacy.getMetrics(request);
      const shadow = options.stream.getMetrics(request);
      // Handled now, so that a failure while the legacy read is still running is not an unhandled rejection.
      shadow.catch(() => undefined);
      const legacy = await options.legacy.getMetrics(request);
      shadow.then(
        (stream) => {
          const differences = differencesOf(request, legacy, stream);
          if (differences.length > 0) options.onDifferences?.(differences);
        },
        (error: unknown) => options.onError?.(error, 'shadow'),
      );
      return legacy;
    },
  };
}

/** Every requested value the two reads gave differently (a value one of them lacks counts as 0). */
export function differencesOf<M extends string, T extends MetricTimeframe>(
  request: MetricRequest<M, T>,
  legacy: MetricValues<M, T>,
  stream: MetricValues<M, T>,
): RolloutDifference[] {
  const out: RolloutDifference[] = [];
  for (const entityId of new Set(request.entityIds)) {
    for (const metric of request.metrics) {
      for (const timeframe of request.timeframes) {
        const a = legacy.get(entityId)?.[metric]?.[timeframe] ?? 0;
        const b = stream.get(entityId)?.[metric]?.[timeframe] ?? 0;
        if (a !== b) {
          out.push({ entityType: request.entityType, entityId, metric, timeframe, legacy: a, stream: b });
        }
      }
    }
  }
  return out;
}
