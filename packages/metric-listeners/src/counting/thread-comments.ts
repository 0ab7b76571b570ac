import { threadLookupToken } from '../lookups/lookup-tokens.js';
import type { ThreadRelations } from '../lookups/relations.js';
import { requireRelated } from '../lookups/require-related.js';
import { defineMetricListener } from './define-metric-listener.js';
import { postgresTruth, VISIBLE_COMMENT_SQL } from './truth-sql.js';

/** Entities whose comments live in v2 threads, and the thread column naming them. */
const THREAD_COLUMN = {
  Image: 'imageId',
  Post: 'postId',
  Article: 'articleId',
  Bounty: 'bountyId',
} as const satisfies Record<string, keyof ThreadRelations>;

/**
 * CommentV2 rows → `commentCount` of the entity their thread hangs off. Hidden comments and comments in
 * violation count for nothing, so moderating one (an update) takes it back. Comments in reply threads
 * count for no entity.
 */
export function threadCommentsListener(id: string, entity: keyof typeof THREAD_COLUMN) {
  const column = THREAD_COLUMN[entity];
  return defineMetricListener({
    id,
    table: 'CommentV2',
    ops: ['c', 'u', 'd'],
    moves: [
      { entity, metrics: ['commentCount'], note: `visible comments on the ${entity.toLowerCase()}'s thread` },
    ],
    deps: { threads: threadLookupToken },
    related: { threads: (r) => r.int('threadId') },
    truth: [
      postgresTruth({
        entity,
        metrics: 'commentCount',
        from: '"CommentV2" x JOIN "Thread" t ON t.id = x."threadId"',
        entityId: `t."${column}"`,
        where: VISIBLE_COMMENT_SQL,
      }),
    ],
    async count(r, { threads }) {
      if (r.bool('hidden') || r.bool('tosViolation')) return [];
      // A thread deleted with its entity (a cascade) is answered from the archive of deleted rows.
      const thread = await requireRelated(threads, r.int('threadId'), 'Thread');
      const entityId = thread[column];
      if (entityId === null) return [];
      return [
        { entityType: entity, entityId, metricType: 'commentCount', value: 1, userId: r.int('userId') },
      ];
    },
  });
}
