import { createToken } from '@engagement/plugin-api';
import type { Lookup } from './lookup.js';
import type {
  CollectionRelations,
  ImageRelations,
  ModelRelations,
  ModelVersionRelations,
  ThreadRelations,
} from './relations.js';

/** Image id → its post and owner ("Image"). */
export const imageLookupToken = createToken<Lookup<ImageRelations>>('lookups.image');
/** Model version id → its model ("ModelVersion"). */
export const modelVersionLookupToken = createToken<Lookup<ModelVersionRelations>>('lookups.modelVersion');
/** Model id → its owner ("Model"). */
export const modelLookupToken = createToken<Lookup<ModelRelations>>('lookups.model');
/** Comment thread id → the entity it hangs off ("Thread"). */
export const threadLookupToken = createToken<Lookup<ThreadRelations>>('lookups.thread');
/** Collection id → its mode ("Collection"). */
export const collectionLookupToken = createToken<Lookup<CollectionRelations>>('lookups.collection');
