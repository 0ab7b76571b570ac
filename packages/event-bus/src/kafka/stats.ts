/** Counters the pipeline keeps; the host exports them as Prometheus metrics. */
export interface PipelineStats {
  consumed: number;
  skipped: number;
  deadLetters: number;
  metricEventsStored: number;
  cacheEventsApplied: number;
  cacheEventsSkipped: number;
  cacheKeysUpdated: number;
  flushes: number;
  lastFlushSeconds: number;
  perListener: Record<string, { ok: number; retried: number; failed: number; seconds: number }>;
}

/** A zeroed stats object. */
export function emptyStats(): PipelineStats {
  return {
    consumed: 0,
    skipped: 0,
    deadLetters: 0,
    metricEventsStored: 0,
    cacheEventsApplied: 0,
    cacheEventsSkipped: 0,
    cacheKeysUpdated: 0,
    flushes: 0,
    lastFlushSeconds: 0,
    perListener: {},
  };
}
