import type { ThreadRelations } from '../lookups/relations.js';
import type { ParentRows } from './memory-lookups.js';

/** The parent rows traffic refers to (ids as the database has them): the lookups' parents and more. */
export interface TrafficWorld extends ParentRows {
  users: number[];
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
