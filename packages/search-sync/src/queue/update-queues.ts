import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import { SearchQueue } from '@engagement/event-bus/sinks/search';
import type { FeedQueue } from '../listeners/feed-queue-token.js';

/**
 * The two persistent queues search-sync drains, both named by entity type and kept in Redis sorted sets
 * (coalescing, surviving restarts; see SearchQueue):
 * - `metrics`: entities whose metric fields are stale. The pipeline's apply stage fills it from metric
 *   events (`<prefix>{queue}:<entityType>`, the key the pipeline's own SearchQueue writes by default);
 * - `feed`: feed documents whose source rows changed, filled by the search-sync listener plugin.
 */
export class SearchUpdateQueues implements FeedQueue {
  readonly metrics: SearchQueue;
  readonly feed: SearchQueue;

  constructor(redis: RedisClient, prefix = 'search:') {
    // The hash tags keep each queue family (its sets and counter) in one Redis Cluster slot.
    this.metrics = new SearchQueue(redis, `${prefix}{queue}:`);
    this.feed = new SearchQueue(redis, `${prefix}{feed}:`);
  }

  async queueFeed(entityType: string, ids: readonly number[]): Promise<void> {
    await this.feed.enqueue(entityType, ids);
  }

  async queueMetrics(entityType: string, ids: readonly number[]): Promise<void> {
    await this.metrics.enqueue(entityType, ids);
  }

  /** Waiting ids per entity type, metrics and feed apart. */
  async sizes(
    entityTypes: readonly string[],
  ): Promise<{ metrics: Record<string, number>; feed: Record<string, number> }> {
    const [metrics, feed] = await Promise.all([
      this.metrics.sizes(entityTypes),
      this.feed.sizes(entityTypes),
    ]);
    return { metrics, feed };
  }
}
