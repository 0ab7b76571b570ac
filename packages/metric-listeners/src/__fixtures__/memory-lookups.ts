// In-memory lookups over maps of parent rows, for the unit tests' small world and the traffic benchmarks'
// large one: the same lookups the lookups plugin provides, reading maps instead of Postgres.

import { override } from '@engagement/event-bus/testing';
import type { Token } from '@engagement/plugin-api';
import {
  collectionLookupToken,
  imageLookupToken,
  modelLookupToken,
  modelVersionLookupToken,
  threadLookupToken,
} from '../lookups/lookup-tokens.js';
import { memoryLookup } from '../lookups/memory-lookup.js';
import { parentTables } from '../lookups/parent-tables.js';
import type {
  CollectionRelations,
  ImageRelations,
  ModelRelations,
  ModelVersionRelations,
  ThreadRelations,
} from '../lookups/relations.js';

/** Parent rows by id, per lookup. */
export interface ParentRows {
  images: Map<number, ImageRelations>;
  versions: Map<number, ModelVersionRelations>;
  models: Map<number, ModelRelations>;
  threads: Map<number, ThreadRelations>;
  collections: Map<number, CollectionRelations>;
}

/** Each lookup's token, by the name these fixtures give the lookup. */
export const LOOKUP_TOKENS = {
  images: imageLookupToken,
  versions: modelVersionLookupToken,
  models: modelLookupToken,
  threads: threadLookupToken,
  collections: collectionLookupToken,
} as const;

/**
 * Fresh in-memory lookups over `rows` (each with its own cache and query counter), mutable where the
 * parent table is; `archived` answers for parents deleted already, as `event_bus.deleted_row` does.
 */
export function memoryLookups(rows: ParentRows, archived: Partial<ParentRows> = {}) {
  return {
    images: memoryLookup('image', rows.images, {
      archived: archived.images,
      mutable: parentTables.image.mutable,
    }),
    versions: memoryLookup('modelVersion', rows.versions, { archived: archived.versions }),
    models: memoryLookup('model', rows.models, { archived: archived.models }),
    threads: memoryLookup('thread', rows.threads, { archived: archived.threads }),
    collections: memoryLookup('collection', rows.collections, {
      archived: archived.collections,
      mutable: parentTables.collection.mutable,
    }),
  };
}

/** The names these fixtures give the lookups. */
export type LookupName = keyof typeof LOOKUP_TOKENS;

/** Lookups as test-host overrides (they replace the lookups plugin's Prisma services). */
export function lookupOverrides(
  lookups: Readonly<Record<LookupName, unknown>>,
): ReturnType<typeof override>[] {
  return Object.entries(LOOKUP_TOKENS).map(([name, token]) =>
    override(token as Token<unknown>, lookups[name as LookupName]),
  );
}
