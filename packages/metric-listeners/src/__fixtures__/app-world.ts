// Test fixtures shared by the plugin tests: a small app world (who owns what) and the in-memory lookups
// over it. The tests compare emitted metric events as totals with the test kit's `netTotals`.

import type { ThreadRelations } from '../lookups/relations.js';
import { lookupOverrides, memoryLookups, type ParentRows } from './memory-lookups.js';

/** A fixed row creation time (Debezium sends timestamp(3) as epoch ms), far from any test's clock. */
export const CREATED_AT = 1_700_000_000_000;

const noThread: ThreadRelations = { imageId: null, postId: null, articleId: null, bountyId: null };

/**
 * Parent rows: image 7 in post 70 of user 1, image 8 not posted; version 30 of model 20 of user 2; model 21
 * of user 4; threads 105–108 of image 9, post 71, article 51 and bounty 61, for comments moved to them; …
 * `archived` holds parents deleted already (with their children), as `event_bus.deleted_row` does.
 */
export const world: ParentRows & { archived: Partial<ParentRows> } = {
  images: new Map([
    [7, { postId: 70, userId: 1 }],
    [8, { postId: null, userId: 1 }],
    [9, { postId: 71, userId: 4 }],
  ]),
  versions: new Map([
    [30, { modelId: 20 }],
    [31, { modelId: 20 }],
  ]),
  models: new Map([
    [20, { userId: 2 }],
    [21, { userId: 4 }],
  ]),
  threads: new Map([
    [100, { ...noThread, imageId: 7 }],
    [101, { ...noThread, postId: 70 }],
    [102, { ...noThread, articleId: 50 }],
    [103, { ...noThread, bountyId: 60 }],
    [104, noThread],
    [105, { ...noThread, imageId: 9 }],
    [106, { ...noThread, postId: 71 }],
    [107, { ...noThread, articleId: 51 }],
    [108, { ...noThread, bountyId: 61 }],
  ]),
  collections: new Map([
    [40, { mode: null }],
    [41, { mode: 'Bookmark' }],
    [42, { mode: 'Contest' }],
  ]),
  archived: {
    images: new Map([[500, { postId: 80, userId: 6 }]]),
    threads: new Map([[900, { ...noThread, imageId: 500 }]]),
  },
};

/** Fresh in-memory lookups over the world (each with its own cache and query counter). */
export function worldLookups() {
  return memoryLookups(world, world.archived);
}

/** The world's lookups as test-host overrides (they replace the lookups plugin's Prisma services). */
export function worldOverrides(lookups = worldLookups()): ReturnType<typeof lookupOverrides> {
  return lookupOverrides(lookups);
}
