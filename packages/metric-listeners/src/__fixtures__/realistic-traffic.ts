// A deterministic, realistic mix of source changes across every table the listeners read, for the
// benchmark and the lookup query count: popular parents get most of the traffic (skewed picks), rows are
// mostly created, some deleted or updated later (reaction kind, review rating, hidden comments, tag
// toggles, awards), new images arrive with their own change, and ClickHouse rows come in between.
import {
  buzzResourceCompensation,
  modelVersionEvents,
  orchestrationJobs,
} from '@engagement/app-db/clickhouse';
import { type FakeChange, fakeEvent } from '@engagement/event-bus/testing';
import type {
  CollectionRelations,
  ImageRelations,
  ModelRelations,
  ModelVersionRelations,
  ThreadRelations,
} from '../lookups/relations.js';
import { clickhouseRow, clickhouseTime } from './clickhouse-rows.js';

/** The parent rows traffic refers to (ids as the database has them). */
export interface TrafficWorld {
  users: number[];
  images: Map<number, ImageRelations>;
  models: Map<number, ModelRelations>;
  versions: Map<number, ModelVersionRelations>;
  threads: Map<number, ThreadRelations>;
  collections: Map<number, CollectionRelations>;
  tags: number[];
  articles: number[];
  bounties: number[];
  entries: number[];
  posts: number[];
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** A world of in-memory parents with ids from 1 (for in-memory lookups). */
export function syntheticWorld(): TrafficWorld {
  const users = range(1, 2_000);
  const posts = range(1, 1_500);
  const images = new Map(
    range(1, 5_000).map((id) => [
      id,
      { postId: id % 10 === 0 ? null : 1 + (id % 1_500), userId: 1 + (id % 2_000) },
    ]),
  );
  const models = new Map(range(1, 300).map((id) => [id, { userId: 1 + ((id * 7) % 2_000) }]));
  const versions = new Map(range(1, 900).map((id) => [id, { modelId: 1 + (id % 300) }]));
  const none = { imageId: null, postId: null, articleId: null, bountyId: null };
  const threads = new Map<number, ThreadRelations>(
    range(1, 3_000).map((id) => [
      id,
      id % 3 === 0 ? { ...none, postId: 1 + (id % 1_500) } : { ...none, imageId: id },
    ]),
  );
  const collections = new Map(range(1, 800).map((id) => [id, { mode: id % 4 === 0 ? 'Bookmark' : null }]));
  return {
    users,
    posts,
    images,
    models,
    versions,
    threads,
    collections,
    tags: range(1, 400),
    articles: range(1, 300),
    bounties: range(1, 100),
    entries: range(1, 400),
  };
}

/** Mulberry32: a tiny seeded PRNG, so every run sees the same traffic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const KINDS = ['Like', 'Like', 'Like', 'Heart', 'Laugh', 'Cry', 'Dislike'];

/**
 * `count` changes over `world`, dated within the 30 days before `now`. Each table's share follows a
 * typical site: reactions dominate, then comments, collections, downloads, engagements and tips.
 */
export function realisticTraffic(
  world: TrafficWorld,
  count: number,
  seed = 1,
  now = Date.now(),
): FakeChange[] {
  const rand = prng(seed);
  const skewed = <T>(items: readonly T[]) => items[Math.floor(items.length * rand() ** 3)]!;
  const keys = <K>(m: Map<K, unknown>) => [...m.keys()];
  const imageIds = keys(world.images);
  const versionIds = keys(world.versions);
  const threadIds = keys(world.threads);
  const collectionIds = keys(world.collections);
  const at = () => now - Math.floor(rand() * 30 * 86_400_000);
  const live = new Map<string, Record<string, unknown>[]>();
  const out: FakeChange[] = [];
  let nextId = 10_000_000;
  // Far above real ids: a new image is known only from its own change, never from a stranger's row.
  let nextImage = 1_000_000_000;

  /** Creates a row, or (with the given odds) deletes or updates one created earlier. */
  const change = (
    table: string,
    make: () => Record<string, unknown>,
    update?: (r: Record<string, unknown>) => Record<string, unknown>,
  ) => {
    const rows = live.get(table) ?? [];
    live.set(table, rows);
    const roll = rand();
    if (rows.length > 0 && roll < 0.12) {
      const [row] = rows.splice(Math.floor(rand() * rows.length), 1);
      out.push(fakeEvent.postgres(table).deleted(row!));
    } else if (rows.length > 0 && update && roll < 0.2) {
      const i = Math.floor(rand() * rows.length);
      const after = update(rows[i]!);
      out.push(fakeEvent.postgres(table).updated(rows[i]!, after));
      rows[i] = after;
    } else {
      const row = make();
      rows.push(row);
      out.push(fakeEvent.postgres(table).created(row));
    }
  };
  const user = () => skewed(world.users);
  const tip = (entityType: string, entityId: number) => ({
    id: nextId++,
    entityType,
    entityId,
    fromUserId: user(),
    toUserId: user(),
    amount: 1 + Math.floor(rand() * 500),
    createdAt: at(),
  });
  const item = (target: Record<string, number>) => ({
    id: nextId++,
    collectionId: skewed(collectionIds),
    addedById: user(),
    modelId: null,
    modelVersionId: null,
    imageId: null,
    postId: null,
    articleId: null,
    ...target,
    createdAt: at(),
  });

  const mix: [number, () => void][] = [
    [
      30,
      () =>
        change(
          'ImageReaction',
          () => ({
            id: nextId++,
            imageId: skewed(imageIds),
            userId: user(),
            reaction: KINDS[Math.floor(rand() * KINDS.length)],
            createdAt: at(),
          }),
          (r) => ({ ...r, reaction: r.reaction === 'Heart' ? 'Like' : 'Heart' }),
        ),
    ],
    [
      3,
      () => {
        const id = nextImage++;
        const row = { id, userId: user(), postId: skewed(world.posts), createdAt: at() };
        world.images.set(id, { postId: row.postId, userId: row.userId });
        imageIds.unshift(id); // new images are the popular ones for a while
        out.push(fakeEvent.postgres('Image').created(row));
      },
    ],
    [
      8,
      () =>
        change(
          'CommentV2',
          () => ({
            id: nextId++,
            threadId: skewed(threadIds),
            userId: user(),
            hidden: false,
            tosViolation: false,
            createdAt: at(),
          }),
          (r) => ({ ...r, hidden: !r.hidden }),
        ),
    ],
    [
      6,
      () =>
        change('CollectionItem', () =>
          rand() < 0.5
            ? item({ imageId: skewed(imageIds) })
            : rand() < 0.6
              ? item({ modelId: world.versions.get(skewed(versionIds))!.modelId })
              : item({ articleId: skewed(world.articles) }),
        ),
    ],
    [
      4,
      () =>
        change(
          'ResourceReview',
          () => {
            const versionId = skewed(versionIds);
            return {
              id: nextId++,
              modelId: world.versions.get(versionId)!.modelId,
              modelVersionId: versionId,
              userId: user(),
              rating: 1 + Math.floor(rand() * 5),
              recommended: rand() < 0.85,
              exclude: false,
              tosViolation: false,
              createdAt: at(),
            };
          },
          (r) => ({ ...r, rating: 1 + ((Number(r.rating) + 1) % 5), recommended: !r.recommended }),
        ),
    ],
    [
      4,
      () =>
        change('BuzzTip', () =>
          rand() < 0.6
            ? tip('Image', skewed(imageIds))
            : rand() < 0.5
              ? tip('Model', skewed(keys(world.models)))
              : tip('Article', skewed(world.articles)),
        ),
    ],
    [
      5,
      () =>
        change(
          'UserEngagement',
          () => ({
            userId: user(),
            targetUserId: user(),
            type: rand() < 0.85 ? 'Follow' : 'Hide',
            createdAt: at(),
          }),
          (r) => ({ ...r, type: r.type === 'Follow' ? 'Hide' : 'Follow' }),
        ),
    ],
    [
      3,
      () =>
        change(
          'TagsOnImage',
          () => ({ imageId: skewed(imageIds), tagId: skewed(world.tags), disabled: false, createdAt: at() }),
          (r) => ({ ...r, disabled: !r.disabled }),
        ),
    ],
    [
      1,
      () =>
        change('TagsOnPost', () => ({
          postId: skewed(world.posts),
          tagId: skewed(world.tags),
          disabled: false,
          createdAt: at(),
        })),
    ],
    [
      1,
      () =>
        change('TagsOnModels', () => ({
          modelId: skewed(keys(world.models)),
          tagId: skewed(world.tags),
          createdAt: at(),
        })),
    ],
    [
      1,
      () =>
        change('TagEngagement', () => ({
          userId: user(),
          tagId: skewed(world.tags),
          type: rand() < 0.7 ? 'Follow' : 'Hide',
          createdAt: at(),
        })),
    ],
    [
      3,
      () =>
        change('ArticleReaction', () => ({
          id: nextId++,
          articleId: skewed(world.articles),
          userId: user(),
          reaction: KINDS[Math.floor(rand() * KINDS.length)],
          createdAt: at(),
        })),
    ],
    [
      1,
      () =>
        change('ArticleEngagement', () => ({
          userId: user(),
          articleId: skewed(world.articles),
          type: rand() < 0.5 ? 'Hide' : 'Favorite',
          createdAt: at(),
        })),
    ],
    [
      1,
      () =>
        change('BountyEngagement', () => ({
          userId: user(),
          bountyId: skewed(world.bounties),
          type: rand() < 0.5 ? 'Track' : 'Favorite',
          createdAt: at(),
        })),
    ],
    [
      1,
      () =>
        change('BountyEntryReaction', () => ({
          id: nextId++,
          bountyEntryId: skewed(world.entries),
          userId: user(),
          reaction: 'Like',
          createdAt: at(),
        })),
    ],
    [
      1,
      () =>
        change(
          'BountyBenefactor',
          () => ({
            bountyId: skewed(world.bounties),
            userId: user(),
            unitAmount: 100 * (1 + Math.floor(rand() * 10)),
            awardedToId: null,
            createdAt: at(),
          }),
          (r) => ({ ...r, awardedToId: skewed(world.entries) }),
        ),
    ],
    [
      2,
      () =>
        change('ImageResource', () => ({
          imageId: skewed(imageIds),
          modelVersionId: skewed(versionIds),
          detected: true,
          createdAt: at(),
        })),
    ],
    [
      1,
      () =>
        change(
          'ModelVersion',
          () => {
            const id = nextId++;
            const modelId = skewed(keys(world.models));
            world.versions.set(id, { modelId });
            return { id, modelId, name: 'v', status: 'Published', createdAt: at() };
          },
          (r) => ({ ...r, status: r.status === 'Published' ? 'Unpublished' : 'Published' }),
        ),
    ],
    [
      1,
      () =>
        change('Comment', () => ({
          id: nextId++,
          userId: user(),
          modelId: skewed(keys(world.models)),
          modelVersionId: null,
          hidden: false,
          tosViolation: false,
          createdAt: at(),
        })),
    ],
    [
      1,
      () =>
        change('CollectionContributor', () => ({
          collectionId: skewed(collectionIds),
          userId: user(),
          permissions: rand() < 0.8 ? ['VIEW'] : ['VIEW', 'ADD'],
          createdAt: at(),
        })),
    ],
    [
      15,
      () => {
        const versionId = skewed(versionIds);
        out.push(
          clickhouseRow(modelVersionEvents, {
            eventId: `d${nextId++}`,
            type: 'Download',
            time: clickhouseTime(at()),
            userId: user(),
            modelId: world.versions.get(versionId)!.modelId,
            modelVersionId: versionId,
            nsfw: false,
            earlyAccess: false,
          }),
        );
      },
    ],
    [
      5,
      () =>
        out.push(
          clickhouseRow(orchestrationJobs, {
            jobId: `j${nextId++}`,
            type: 'textToImage',
            userId: user(),
            createdAt: clickhouseTime(at()),
            cost: 4,
            resourcesUsed: [skewed(versionIds), skewed(versionIds)],
            status: 'Succeeded',
          }),
        ),
    ],
    [
      2,
      () =>
        out.push(
          clickhouseRow(buzzResourceCompensation, {
            id: `c${nextId++}`,
            createdAt: clickhouseTime(at()),
            date: '2025-01-01',
            modelVersionId: skewed(versionIds),
            accountId: user(),
            comp: 9,
            tip: 1,
            total: 10,
          }),
        ),
    ],
  ];
  const total = mix.reduce((s, [w]) => s + w, 0);
  while (out.length < count) {
    let pick = rand() * total;
    for (const [weight, emit] of mix) {
      pick -= weight;
      if (pick < 0) {
        emit();
        break;
      }
    }
  }
  return out.slice(0, count);
}
