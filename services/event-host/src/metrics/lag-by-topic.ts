import type { PartitionLag } from './partition-lag.js';

/** One topic's partitions folded into a row. */
export interface TopicLag {
  topic: string;
  partitions: number;
  /** null while the lag of any of its partitions is unknown (see PartitionLagTracker). */
  total: number | null;
  max: number | null;
}

/** Lag folded per topic (highest total first), and the few partitions that lag most. */
export interface LagByTopic {
  partitions: number;
  /** null while the lag of any partition is unknown: a partial sum would read as a false number. */
  total: number | null;
  topics: TopicLag[];
  /** Partitions with a lag above 0, worst first, at most `worst`. */
  worst: PartitionLag[];
}

/** Folds per-partition lag into one row per topic and keeps only the worst partitions. */
export function lagByTopic(lag: readonly PartitionLag[], worst = 5): LagByTopic {
  const topics = new Map<string, TopicLag>();
  for (const p of lag) {
    const row = topics.get(p.topic) ?? { topic: p.topic, partitions: 0, total: 0, max: 0 };
    row.partitions++;
    row.total = p.lag === null || row.total === null ? null : row.total + p.lag;
    row.max = p.lag === null || row.max === null ? null : Math.max(row.max, p.lag);
    topics.set(p.topic, row);
  }
  const known = lag.filter((p): p is PartitionLag & { lag: number } => p.lag !== null);
  return {
    partitions: lag.length,
    total: known.length < lag.length ? null : known.reduce((n, p) => n + p.lag, 0),
    topics: [...topics.values()].sort(
      (a, b) => (b.total ?? Infinity) - (a.total ?? Infinity) || a.topic.localeCompare(b.topic),
    ),
    worst: known
      .filter((p) => p.lag > 0)
      .sort((a, b) => b.lag - a.lag || a.topic.localeCompare(b.topic) || a.partition - b.partition)
      .slice(0, worst),
  };
}
