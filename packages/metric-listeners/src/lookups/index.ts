import { definePlugin, provide } from '@engagement/event-bus';
import { appDbToken } from './app-db-token.js';
import {
  collectionLookupToken,
  imageLookupToken,
  modelLookupToken,
  modelVersionLookupToken,
  threadLookupToken,
} from './lookup-tokens.js';
import { prismaLookups } from './prisma-lookups.js';
import { rememberListener } from './remember-listener.js';
import { rowRelations } from './row-relations.js';

/**
 * The related-id lookups every metric plugin shares (one cache per parent table, whoever asks), built
 * from the host's Prisma client, and the listeners that feed them from the parents' own changes.
 * Owned by the platform team; it emits no metrics.
 */
export const lookupsPlugin = definePlugin({
  id: 'app-lookups',
  owner: '@team/platform',
  services: [
    provide(imageLookupToken, { db: appDbToken }, ({ db }) => prismaLookups.image(db)),
    provide(modelVersionLookupToken, { db: appDbToken }, ({ db }) => prismaLookups.modelVersion(db)),
    provide(modelLookupToken, { db: appDbToken }, ({ db }) => prismaLookups.model(db)),
    provide(threadLookupToken, { db: appDbToken }, ({ db }) => prismaLookups.thread(db)),
    provide(collectionLookupToken, { db: appDbToken }, ({ db }) => prismaLookups.collection(db)),
  ],
  listeners: [
    rememberListener('lookups.images', 'Image', imageLookupToken, rowRelations.image),
    rememberListener(
      'lookups.model-versions',
      'ModelVersion',
      modelVersionLookupToken,
      rowRelations.modelVersion,
    ),
    rememberListener('lookups.models', 'Model', modelLookupToken, rowRelations.model),
    rememberListener('lookups.threads', 'Thread', threadLookupToken, rowRelations.thread),
    rememberListener('lookups.collections', 'Collection', collectionLookupToken, rowRelations.collection),
  ],
});
