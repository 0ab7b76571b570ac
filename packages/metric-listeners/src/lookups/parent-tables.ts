import type { RowReader } from '@engagement/plugin-api';
import type {
  CollectionRelations,
  ImageRelations,
  ModelRelations,
  ModelVersionRelations,
  ThreadRelations,
} from './relations.js';

/** A parent table the lookups read: where its related ids are, and whether they can change. */
export interface ParentTable<V> {
  /** The Postgres table (and the `tableName` of its rows in `event_bus.deleted_row`). */
  table: string;
  /**
   * The columns `relations` reads. The Prisma loader selects them from the live table, and the table's
   * archive trigger (infra/postgres/migrations/0003) keeps the same ones for deleted rows.
   */
  columns: readonly string[];
  /** Whether a live row's related ids can change (then they are read again for every Kafka batch). */
  mutable: boolean;
  /** The related ids of a row: a change event's row, a live row or an archived one. */
  relations(row: RowReader): V;
}

const optionalInt = (r: RowReader, column: string): number | null =>
  r.isNull(column) ? null : r.int(column);

/**
 * Every parent the lookups read. Owners, a version's model and a thread's entity are set at creation and
 * never change in the app; an image's post changes (attached to a post, moved between posts), and so
 * does a collection's mode.
 */
export const parentTables = {
  image: {
    table: 'Image',
    columns: ['postId', 'userId'],
    mutable: true,
    relations: (r): ImageRelations => ({ postId: optionalInt(r, 'postId'), userId: r.int('userId') }),
  } satisfies ParentTable<ImageRelations>,
  modelVersion: {
    table: 'ModelVersion',
    columns: ['modelId'],
    mutable: false,
    relations: (r): ModelVersionRelations => ({ modelId: r.int('modelId') }),
  } satisfies ParentTable<ModelVersionRelations>,
  model: {
    table: 'Model',
    columns: ['userId'],
    mutable: false,
    relations: (r): ModelRelations => ({ userId: r.int('userId') }),
  } satisfies ParentTable<ModelRelations>,
  thread: {
    table: 'Thread',
    columns: ['imageId', 'postId', 'articleId', 'bountyId'],
    mutable: false,
    relations: (r): ThreadRelations => ({
      imageId: optionalInt(r, 'imageId'),
      postId: optionalInt(r, 'postId'),
      articleId: optionalInt(r, 'articleId'),
      bountyId: optionalInt(r, 'bountyId'),
    }),
  } satisfies ParentTable<ThreadRelations>,
  collection: {
    table: 'Collection',
    columns: ['mode'],
    mutable: true,
    relations: (r): CollectionRelations => ({ mode: r.isNull('mode') ? null : r.string('mode') }),
  } satisfies ParentTable<CollectionRelations>,
};
