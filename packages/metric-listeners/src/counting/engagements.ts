import type { MetricTruth } from '@engagement/plugin-api';
import { defineMetricListener } from './define-metric-listener.js';
import type { Contribution, EntityType, MetricMove } from './metric-move.js';
import { postgresTruth } from './truth-sql.js';

/** The entity an engagement column names, and the metric each engagement `type` counts one for. */
export interface EngagedColumn {
  column: string;
  /** Engagement type → metric; types left out count for nothing on this column. */
  metrics: Readonly<Record<string, string>>;
}

/** An engagement table (`userId` engages with an entity, of a kind in `type`) and what each kind counts. */
export interface EngagementsSpec {
  id: string;
  table: string;
  entity: EntityType;
  /** One column in most tables; UserEngagement counts a Follow for both the follower and the followed. */
  columns: readonly EngagedColumn[];
}

/**
 * Engagement rows → one count, for the entity a column names, of the metric the row's `type` picks. An
 * engagement changing type in place (an update) moves the difference; a type no column names counts nowhere.
 */
export function engagementsListener(spec: EngagementsSpec) {
  const { entity, columns } = spec;
  const forColumn = (column: string) => (columns.length > 1 ? `, for ${column}` : '');
  const moves: MetricMove[] = columns.flatMap(({ column, metrics }) =>
    Object.entries(metrics).map(([type, metric]) => ({
      entity,
      metrics: [metric],
      note: `${type} engagements${forColumn(column)}`,
    })),
  );
  return defineMetricListener({
    id: spec.id,
    table: spec.table,
    ops: ['c', 'u', 'd'],
    moves,
    truth: columns.map((c) => engagementsTruth(spec, c)),
    count(r) {
      const type = r.string('type');
      const counted = columns.filter((c) => c.metrics[type] !== undefined);
      if (counted.length === 0) return [];
      const userId = r.int('userId');
      return counted.map(
        ({ column, metrics }): Contribution => ({
          entityType: entity,
          entityId: r.int(column),
          metricType: metrics[type]!,
          value: 1,
          userId,
        }),
      );
    },
  });
}

/** The SQL of one column's counts, written from the type → metric table and not from `count`. */
function engagementsTruth(spec: EngagementsSpec, { column, metrics }: EngagedColumn): MetricTruth {
  const kinds = Object.entries(metrics);
  const quoted = kinds.map(([type]) => `'${type}'`);
  // `where` keeps only the listed types, so the last one is the CASE's ELSE.
  const whens = kinds.slice(0, -1).map(([type, metric]) => `WHEN '${type}' THEN '${metric}' `);
  return postgresTruth({
    entity: spec.entity,
    metrics: kinds.length === 1 ? kinds[0]![1] : kinds.map(([, metric]) => metric),
    from: `"${spec.table}" x`,
    entityId: `x."${column}"`,
    metricType:
      kinds.length === 1 ? undefined : `CASE x.type ${whens.join('')}ELSE '${kinds.at(-1)![1]}' END`,
    where: kinds.length === 1 ? `x.type = ${quoted[0]}` : `x.type IN (${quoted.join(', ')})`,
  });
}
