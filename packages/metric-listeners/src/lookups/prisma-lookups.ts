import type { AppDb } from '@engagement/app-db';
import { BatchLookup } from './batch-lookup.js';
import type {
  CollectionRelations,
  ImageRelations,
  ModelRelations,
  ModelVersionRelations,
  ThreadRelations,
} from './relations.js';

const byIds = (ids: readonly number[]) => ({ id: { in: [...ids] } });

/**
 * The Prisma-backed lookups: one `findMany` per batch of ids, selecting only the related-id columns
 * (the same columns `rowRelations` reads from change events).
 */
export const prismaLookups = {
  image: (db: AppDb) =>
    new BatchLookup<ImageRelations>({
      name: 'image',
      load: async (ids) =>
        (
          await db.image.findMany({ where: byIds(ids), select: { id: true, postId: true, userId: true } })
        ).map((r) => [r.id, { postId: r.postId, userId: r.userId }] as const),
    }),
  modelVersion: (db: AppDb) =>
    new BatchLookup<ModelVersionRelations>({
      name: 'modelVersion',
      load: async (ids) =>
        (await db.modelVersion.findMany({ where: byIds(ids), select: { id: true, modelId: true } })).map(
          (r) => [r.id, { modelId: r.modelId }] as const,
        ),
    }),
  model: (db: AppDb) =>
    new BatchLookup<ModelRelations>({
      name: 'model',
      load: async (ids) =>
        (await db.model.findMany({ where: byIds(ids), select: { id: true, userId: true } })).map(
          (r) => [r.id, { userId: r.userId }] as const,
        ),
    }),
  thread: (db: AppDb) =>
    new BatchLookup<ThreadRelations>({
      name: 'thread',
      load: async (ids) =>
        (
          await db.thread.findMany({
            where: byIds(ids),
            select: { id: true, imageId: true, postId: true, articleId: true, bountyId: true },
          })
        ).map(
          (r) =>
            [
              r.id,
              { imageId: r.imageId, postId: r.postId, articleId: r.articleId, bountyId: r.bountyId },
            ] as const,
        ),
    }),
  collection: (db: AppDb) =>
    new BatchLookup<CollectionRelations>({
      name: 'collection',
      load: async (ids) =>
        (await db.collection.findMany({ where: byIds(ids), select: { id: true, mode: true } })).map(
          (r) => [r.id, { mode: r.mode }] as const,
        ),
    }),
};
