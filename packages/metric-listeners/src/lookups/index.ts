import type { AppDb } from '@engagement/app-db';
import { appDbToken, definePlugin, provide } from '@engagement/plugin-api';
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
/** The host's app database client (`app.db`), typed as the Prisma client these lookups query. */
const appDb = appDbToken<AppDb>();

export const lookupsPlugin = definePlugin({
  id: 'app-lookups',
  owner: '@team/platform',
  services: [
    provide(imageLookupToken, { db: appDb }, ({ db }) => prismaLookups.image(db)),
    provide(modelVersionLookupToken, { db: appDb }, ({ db }) => prismaLookups.modelVersion(db)),
    provide(modelLookupToken, { db: appDb }, ({ db }) => prismaLookups.model(db)),
    provide(threadLookupToken, { db: appDb }, ({ db }) => prismaLookups.thread(db)),
    provide(collectionLookupToken, { db: appDb }, ({ db }) => prismaLookups.collection(db)),
  ],
  // Image and Collection relations are mutable (read again per batch), so only these three are fed.
  listeners: [
    rememberListener('lookups.model-versions', modelVersionLookupToken, parentTables.modelVersion),
    rememberListener('lookups.models', modelLookupToken, parentTables.model),
    rememberListener('lookups.threads', threadLookupToken, parentTables.thread),
  ],
});
