// In-memory lookups over a traffic world, with the prefetch a per-batch runtime hook would run, and the
// query counts Postgres would have seen (one `findMany` per lookup load).

import { override } from '@engagement/event-bus/testing';
import type { ChangeEvent, Token } from '@engagement/plugin-api';
import type { MetricListener } from '../counting/define-metric-listener.js';
import { plugins } from '../index.js';
import type { BatchLookup } from '../lookups/batch-lookup.js';
import { LOOKUP_TOKENS, type LookupName, memoryLookups } from './memory-lookups.js';
import type { TrafficWorld } from './traffic-world.js';

/** Lookup instances by token id, however they load (memory here, Prisma in the query-count test). */
export type LookupsByToken = Record<string, BatchLookup<unknown>>;

/** Runs every listener's `prefetch` on a batch, once, concurrently (what the proposed runtime hook does). */
export async function prefetchBatch(events: readonly ChangeEvent[], lookups: LookupsByToken): Promise<void> {
  const listeners = plugins.flatMap((p) => p.listeners).filter((l): l is MetricListener => 'prefetch' in l);
  await Promise.all(
    listeners.map((l) => {
      const deps = Object.fromEntries(
        Object.entries(l.deps as Record<string, { id: string }>).map(([name, token]) => [
          name,
          lookups[token.id],
        ]),
      );
      return l.prefetch(events, deps);
    }),
  );
}

/** Lookups as test-host overrides, with the per-batch prefetch and the query counter. */
export interface TrafficLookups {
  overrides: ReturnType<typeof override>[];
  prefetch(events: readonly ChangeEvent[]): Promise<void>;
  queries(): { total: number } & Record<string, number>;
}

/** Wraps lookups as test-host overrides, with their prefetch and query counter. */
export function asOverrides(lookups: LookupsByToken): TrafficLookups {
  const tokens = Object.values(LOOKUP_TOKENS) as Token<unknown>[];
  return {
    overrides: tokens.map((t) => override(t, lookups[t.id])),
    prefetch: (events: readonly ChangeEvent[]) => prefetchBatch(events, lookups),
    queries: () => {
      const byLookup = Object.fromEntries(Object.values(lookups).map((l) => [l.name, l.stats.queries]));
      return { total: Object.values(byLookup).reduce((a, b) => a + b, 0), ...byLookup };
    },
  };
}

/** In-memory lookups over the world's parents. */
export function trafficLookups(world: TrafficWorld): TrafficLookups {
  const byName = Object.entries(memoryLookups(world)).map(([name, lookup]) => [
    LOOKUP_TOKENS[name as LookupName].id,
    lookup,
  ]);
  return asOverrides(Object.fromEntries(byName) as LookupsByToken);
}
