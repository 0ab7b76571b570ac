import type { SearchIndexConfig } from './config.js';
import { modelFeed } from './feed/model-feed.js';
import { postFeed } from './feed/post-feed.js';

const REACTIONS = ['likeCount', 'dislikeCount', 'laughCount', 'cryCount', 'heartCount'];

/** Model metrics of the plan's ModelMetric (rating as ratingSum + ratingCount). */
export const MODEL_METRIC_TYPES = [
  'ratingSum',
  'ratingCount',
  'downloadCount',
  'favoriteCount',
  'commentCount',
  'collectedCount',
  'imageCount',
  'tippedCount',
  'tippedAmountCount',
  'generationCount',
  'thumbsUpCount',
  'thumbsDownCount',
  'earnedAmount',
] as const;

/** Post metrics of the plan's PostMetric. */
export const POST_METRIC_TYPES = [...REACTIONS, 'commentCount', 'collectedCount'] as const;

/** Image metrics of the plan's ImageMetric. */
export const IMAGE_METRIC_TYPES = [
  ...REACTIONS,
  'commentCount',
  'collectedCount',
  'tippedCount',
  'tippedAmountCount',
  'reactionCount',
] as const;

/**
 * The indexes of the plan: feed indexes for models and posts (documents owned by search-sync) and the
 * existing images index (metrics only). Uids take an optional environment prefix.
 */
export function defaultSearchIndexes(prefix = ''): SearchIndexConfig[] {
  return [
    { uid: `${prefix}models_feed_v1`, entityType: 'Model', feed: modelFeed, metricTypes: MODEL_METRIC_TYPES },
    { uid: `${prefix}posts_feed_v1`, entityType: 'Post', feed: postFeed, metricTypes: POST_METRIC_TYPES },
    { uid: `${prefix}images_v1`, entityType: 'Image', metricTypes: IMAGE_METRIC_TYPES },
  ];
}
