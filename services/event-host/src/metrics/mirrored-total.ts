import { Counter, type Registry } from 'prom-client';

/**
 * A counter that mirrors a running total kept elsewhere, adding at each scrape what it grew by since the
 * last one. Only for totals whose owner reports no instrumentation events (the recomputer, search-sync);
 * the pipeline's counters are incremented by its events instead (`pipelineCounters`).
 */
export function mirroredTotal(
  registers: Registry[],
  name: string,
  help: string,
  read: () => number | Promise<number>,
): Counter {
  let seen: number | undefined;
  const counter: Counter = new Counter({
    name,
    help,
    registers,
    collect: async () => {
      const value = await read();
      const delta = value - (seen ?? 0);
      // A total that went down (its owner was rebuilt) is not subtracted: nothing is added until it passes
      // the last value seen.
      if (delta < 0 || (delta === 0 && seen !== undefined)) return;
      seen = value;
      counter.inc(delta);
    },
  });
  return counter;
}
