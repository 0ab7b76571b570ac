import type { PipelineStats } from '@engagement/event-bus/kafka';

/**
 * The first `n` items by descending scores (compared in order, then by `name`), leaving out items whose
 * scores are all 0, and how many non-zero items did not make it.
 */
export function topN<T>(
  items: readonly T[],
  n: number,
  scores: (item: T) => readonly number[],
  name: (item: T) => string,
): { top: T[]; others: number } {
  const compare = (a: T, b: T) => {
    const sa = scores(a);
    const sb = scores(b);
    for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return (sb[i] ?? 0) - (sa[i] ?? 0);
    return name(a).localeCompare(name(b));
  };
  const ranked = items.filter((item) => scores(item).some((s) => s > 0)).sort(compare);
  return { top: ranked.slice(0, n), others: Math.max(0, ranked.length - n) };
}

/** A listener's row in the status page's tables. */
export interface ListenerRow {
  listener: string;
  plugin: string;
  /** Changes/s over the rate window. */
  perSecond: number;
  handled: number;
  failed: number;
  retried: number;
}

/** The top listeners by throughput and by failures, instead of one chart line per listener. */
export interface TopListeners {
  byThroughput: ListenerRow[];
  /** Listeners that handled changes but are not in `byThroughput`. */
  otherActive: number;
  byFailures: ListenerRow[];
  /** Listeners with failures or retries that are not in `byFailures`. */
  otherFailing: number;
  /** Loaded listeners that handled nothing since start. */
  idle: number;
}

/** Ranks loaded listeners by changes/s (then total handled) and by dead-lettered, then retried, changes. */
export function topListeners(input: {
  listenerPlugins: ReadonlyMap<string, string>;
  perListener: PipelineStats['perListener'];
  perSecond: Readonly<Record<string, number>>;
  n?: number;
}): TopListeners {
  const n = input.n ?? 5;
  const rows: ListenerRow[] = [...input.listenerPlugins].map(([listener, plugin]) => {
    const s = input.perListener[listener];
    return {
      listener,
      plugin,
      perSecond: input.perSecond[listener] ?? 0,
      handled: s?.ok ?? 0,
      failed: s?.failed ?? 0,
      retried: s?.retried ?? 0,
    };
  });
  const name = (r: ListenerRow) => r.listener;
  const throughput = topN(rows, n, (r) => [r.perSecond, r.handled], name);
  const failures = topN(rows, n, (r) => [r.failed, r.retried], name);
  return {
    byThroughput: throughput.top,
    otherActive: throughput.others,
    byFailures: failures.top,
    otherFailing: failures.others,
    idle: rows.filter((r) => r.handled === 0 && r.perSecond === 0).length,
  };
}
