import type { RowReader } from '@engagement/event-bus';
import type {
  CollectionRelations,
  ImageRelations,
  ModelRelations,
  ModelVersionRelations,
  ThreadRelations,
} from './relations.js';

const optionalInt = (r: RowReader, column: string): number | null =>
  r.isNull(column) ? null : r.int(column);

/**
 * The related ids as a parent row carries them, for rows seen in change events. The Prisma loaders
 * select the same columns, so both paths agree.
 */
export const rowRelations = {
  image: (r: RowReader): ImageRelations => ({ postId: optionalInt(r, 'postId'), userId: r.int('userId') }),
  modelVersion: (r: RowReader): ModelVersionRelations => ({ modelId: r.int('modelId') }),
  model: (r: RowReader): ModelRelations => ({ userId: r.int('userId') }),
  thread: (r: RowReader): ThreadRelations => ({
    imageId: optionalInt(r, 'imageId'),
    postId: optionalInt(r, 'postId'),
    articleId: optionalInt(r, 'articleId'),
    bountyId: optionalInt(r, 'bountyId'),
  }),
  collection: (r: RowReader): CollectionRelations => ({
    mode: r.isNull('mode') ? null : r.string('mode'),
  }),
};
