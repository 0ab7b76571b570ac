import { defineListener, definePlugin, type PluginDefinition } from '@engagement/plugin-api';
import { type FeedDefinition, touchedIds } from '../feed/feed-definition.js';
import { modelFeed } from '../feed/model-feed.js';
import { postFeed } from '../feed/post-feed.js';
import { feedQueueToken } from './feed-queue-token.js';

/**
 * Builds the listener plugin that queues feed documents for a refresh when their source rows change.
 * One listener per (feed, table); each only queues ids (coalesced in Redis) and emits no metric events,
 * so a replayed change costs nothing but a repeated, harmless enqueue. Snapshot reads are handled too:
 * they re-index what they read, which is how a feed is backfilled.
 */
export function createSearchSyncPlugin(
  feeds: readonly FeedDefinition[] = [modelFeed, postFeed],
): PluginDefinition {
  const listeners = feeds.flatMap((feed) =>
    feed.triggers.map((trigger) =>
      defineListener({
        id: `search.feed.${feed.entityType}.${trigger.table}`,
        tables: [trigger.table],
        deps: { feedQueue: feedQueueToken },
        canHandle: (e) => e.source === 'postgres' && e.table === trigger.table,
        // It emits no metrics: nothing to reconcile.
        truth: [],
        async handle(e, { feedQueue }) {
          const ids = touchedIds(trigger, e);
          if (ids.length) await feedQueue.queueFeed(feed.entityType, ids);
        },
      }),
    ),
  );
  return definePlugin({ id: 'search-sync', owner: '@team/search', listeners });
}

/** The search-sync listener plugin for the default model and post feeds; load it by package name. */
export const searchSyncPlugin: PluginDefinition = createSearchSyncPlugin();
