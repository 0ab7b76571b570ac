import { createToken } from '@engagement/plugin-api';

/** Where feed listeners put the ids of feed documents that changed; search-sync's queue implements it. */
export interface FeedQueue {
  queueFeed(entityType: string, ids: readonly number[]): Promise<void>;
}

/** The token the host registers search-sync's feed queue under (see `createSearchSync().provisions`). */
export const feedQueueToken = createToken<FeedQueue>('searchSync.feedQueue');
