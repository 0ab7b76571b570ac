import { definePlugin, provide } from '@engagement/event-bus';
import { appDbToken } from './app-db-token.js';
import {
  collectionLookupToken,
  imageLookupToken,
  modelLookupToken,
  modelVersionLookupToken,
  threadLookupToken,
} from './lookup-tokens.js';
import { parentTables } from './parent-tables.js';
import { prismaLookups } from './prisma-lookups.js';
import { rememberListener } from './remember-listener.js';

/**
 * The related-id lookups every metric plugin shares (one per parent table, whoever asks), built from the
 * host's Prisma client: each reads the live table and the archive of deleted rows in one query. Plus the
 * listeners that feed the immutable ones from the parents' own changes. Owned by the platform team; it
 * emits no metrics.
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
  // Image and Collection relations are mutable (read again per batch), so only these three are fed.
  listeners: [
    rememberListener('lookups.model-versions', modelVersionLookupToken, parentTables.modelVersion),
    rememberListener('lookups.models', modelLookupToken, parentTables.model),
    rememberListener('lookups.threads', threadLookupToken, parentTables.thread),
  ],
});
