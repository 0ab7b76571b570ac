import type { RowReader } from '@engagement/plugin-api';
import { MetricListenerError } from '../errors.js';

/** Reaction kinds as the app's `ReviewReactions` enum spells them, and the metric each one moves. */
export const REACTION_METRICS: Readonly<Record<string, string>> = {
  Like: 'likeCount',
  Dislike: 'dislikeCount',
  Laugh: 'laughCount',
  Cry: 'cryCount',
  Heart: 'heartCount',
};

/** Every per-kind reaction metric, for `moves` declarations. */
export const REACTION_METRIC_NAMES: readonly string[] = Object.values(REACTION_METRICS);

/** The metric of a reaction row's kind; an unknown kind is an error, not a silent skip. */
export function reactionMetric(row: RowReader, column = 'reaction'): string {
  const kind = row.string(column);
  const metric = REACTION_METRICS[kind];
  if (!metric) throw new MetricListenerError('ML_UNKNOWN_VALUE', `unknown reaction "${kind}"`);
  return metric;
}
