import type { RowReader } from '@engagement/plugin-api';
import { MetricListenerError } from '../errors.js';
import { defineMetricListener } from './define-metric-listener.js';
import type { Contribution, EntityType } from './metric-move.js';
import { postgresTruth, reactionKindsTruth } from './truth-sql.js';

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

/** A reaction table, the entity its rows react to, and whether it also keeps a count of every kind. */
export interface ReactionsSpec {
  id: string;
  table: string;
  entity: EntityType;
  /** The column naming the reacted entity. */
  column: string;
  /** Also count `reactionCount` (reactions of any kind), which a kind change leaves alone. */
  reactionCount?: boolean;
}

/** Reaction rows → the reacted entity's per-kind count; a kind change moves one count to the other. */
export function reactionsListener(spec: ReactionsSpec) {
  const { entity, column } = spec;
  const total = spec.reactionCount === true;
  return defineMetricListener({
    id: spec.id,
    table: spec.table,
    ops: ['c', 'u', 'd'],
    moves: [
      { entity, metrics: REACTION_METRIC_NAMES, note: 'reactions of that kind' },
      ...(total ? [{ entity, metrics: ['reactionCount'], note: 'reactions of any kind' }] : []),
    ],
    truth: [
      reactionKindsTruth(entity, `"${spec.table}" x`, `x."${column}"`),
      ...(total
        ? [
            postgresTruth({
              entity,
              metrics: 'reactionCount',
              from: `"${spec.table}" x`,
              entityId: `x."${column}"`,
            }),
          ]
        : []),
    ],
    count(r) {
      const entityId = r.int(column);
      const userId = r.int('userId');
      const kind: Contribution = {
        entityType: entity,
        entityId,
        metricType: reactionMetric(r),
        value: 1,
        userId,
      };
      return total
        ? [kind, { entityType: entity, entityId, metricType: 'reactionCount', value: 1, userId }]
        : [kind];
    },
  });
}
