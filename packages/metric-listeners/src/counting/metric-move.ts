/** The entity types whose metrics these listeners keep (the `entityType` of every metric event). */
export type EntityType =
  | 'User'
  | 'Model'
  | 'ModelVersion'
  | 'Post'
  | 'Image'
  | 'Collection'
  | 'Tag'
  | 'Article'
  | 'Bounty'
  | 'BountyEntry';

/** A source operation as the plan annotates it: created, updated, deleted. */
export type SourceOp = 'c' | 'u' | 'd';

/**
 * What a listener declares it moves: these metrics of this entity type. The docs' mapping table is
 * generated from these declarations, and the listener refuses to emit anything it does not declare,
 * so the table cannot drift from the code.
 */
export interface MetricMove {
  entity: EntityType;
  metrics: readonly string[];
  /** Which row of the entity is moved and when, in a few words for the docs, e.g. "the image's post". */
  note?: string;
  /**
   * `recompute`: the listener does not emit deltas for these metrics but touches the entity (see
   * `touches` of `defineMetricListener`), and the host recomputes them from the source.
   * `increases`: increases are deltas, but a decrease touches the entity instead and the recompute takes it
   * back. For a count attributed through a relation that moves on another partition (a reaction through
   * its image's post): a decrease read through the moved relation could be taken from a parent that never
   * counted the row, and the count would read below zero until the recompute. Default `deltas`.
   */
  kept?: 'deltas' | 'recompute' | 'increases';
}

/** An entity whose `recompute` metrics a row's change makes stale (see `MetricMove.kept`). */
export interface Touch {
  entityType: EntityType;
  entityId: number;
}

/** One row's share of one metric: what the row adds while it exists (and takes back when it is gone). */
export interface Contribution {
  entityType: EntityType;
  entityId: number;
  metricType: string;
  value: number;
  /** The user who caused it (reactor, reviewer, tipper); 0 when unknown. */
  userId?: number;
}
