// The scripted run of the end-to-end ground-truth test: creates, updates and deletes across every source
// table of the metric mapping, written through plain SQL (as the app would) plus ClickHouse source rows
// through the local publisher. Some rows are backdated (10 days, 3 days, 2 hours) so that the day, week
// and all-time windows differ. Relations that listeners read once (image → post, version → model,
// thread → entity, collection mode) are never changed, as in the app.
import type { ClickHouseRowPublisher } from '@engagement/app-db/clickhouse';
import type pg from 'pg';
import { createRelations } from './create-relations.js';
import { ago, DAY, eightUsers, insert, type Row, type RunWorld } from './run-world.js';

export { changeWorld } from './change-world.js';
export { ago, type RunWorld, runIds } from './run-world.js';

/** Phase one: everything is created (with some rows backdated), and ClickHouse source rows are published. */
export async function createWorld(
  db: pg.Client,
  publisher: ClickHouseRowPublisher,
  tag: string,
): Promise<RunWorld> {
  let changes = 0;
  const add = async (table: string, row: Row) => {
    changes++;
    return insert(db, table, row);
  };
  const id = (row: Row) => row.id as number;
  const w: RunWorld = {
    users: [],
    models: [],
    versions: [],
    posts: [],
    images: [],
    collections: [],
    tags: [],
    articles: [],
    bounties: [],
    entries: [],
    rows: {},
    changes: 0,
    gone: { images: [], posts: [], versions: [], threads: [] },
  };
  for (let i = 0; i < 8; i++)
    w.users.push(id(await add('User', { username: `${tag}-u${i}`, createdAt: ago(20 * DAY) })));
  const [u0, u1, u2, u3, u4, u5, u6, u7] = eightUsers(w);

  // Models and versions: u0 owns m0 (v0 published, v1 draft), u1 owns m1 (v2 published).
  const m0 = id(
    await add('Model', { name: `${tag} m0`, userId: u0, status: 'Published', createdAt: ago(15 * DAY) }),
  );
  const m1 = id(await add('Model', { name: `${tag} m1`, userId: u1, status: 'Published' }));
  w.models.push(m0, m1);
  const v0 = id(
    await add('ModelVersion', { modelId: m0, name: 'v0', status: 'Published', createdAt: ago(10 * DAY) }),
  );
  const v1 = id(await add('ModelVersion', { modelId: m0, name: 'v1', status: 'Draft' }));
  const v2 = id(
    await add('ModelVersion', { modelId: m1, name: 'v2', status: 'Published', createdAt: ago(3 * DAY) }),
  );
  w.versions.push(v0, v1, v2);

  // Posts and images: p0 (u0, for v0) holds i0 and i1; p1 (u1) holds i2; i3 (u2) is in no post.
  const p0 = id(await add('Post', { userId: u0, modelVersionId: v0, title: 'p0' }));
  const p1 = id(await add('Post', { userId: u1, title: 'p1' }));
  w.posts.push(p0, p1);
  const i0 = id(
    await add('Image', { userId: u0, postId: p0, url: `${tag}/i0.png`, createdAt: ago(12 * DAY) }),
  );
  const i1 = id(await add('Image', { userId: u0, postId: p0, url: `${tag}/i1.png` }));
  const i2 = id(await add('Image', { userId: u1, postId: p1, url: `${tag}/i2.png` }));
  const i3 = id(await add('Image', { userId: u2, url: `${tag}/i3.png` }));
  w.images.push(i0, i1, i2, i3);
  for (const [imageId, modelVersionId] of [
    [i0, v0],
    [i1, v0],
    [i1, v1],
    [i2, v2],
  ])
    await add('ImageResource', { imageId, modelVersionId, createdAt: ago(imageId === i0 ? 10 * DAY : 0) });

  // Reactions: a mix of kinds, some old.
  const react = (table: string, column: string, target: number, userId: number, reaction: string, at = 0) =>
    add(table, { [column]: target, userId, reaction, createdAt: ago(at) });
  w.rows.r0 = await react('ImageReaction', 'imageId', i0, u1, 'Like', 10 * DAY);
  w.rows.r1 = await react('ImageReaction', 'imageId', i0, u2, 'Heart', 3 * DAY);
  w.rows.r2 = await react('ImageReaction', 'imageId', i1, u3, 'Laugh');
  w.rows.r3 = await react('ImageReaction', 'imageId', i1, u4, 'Cry', 2 * 3_600_000);
  await react('ImageReaction', 'imageId', i2, u0, 'Dislike');
  await react('ImageReaction', 'imageId', i2, u5, 'Like', 3 * DAY);
  await react('ImageReaction', 'imageId', i3, u6, 'Heart');

  // Reviews: ratings and thumbs on v0 and v2; one excluded by moderation from the start.
  const review = (
    modelVersionId: number,
    modelId: number,
    userId: number,
    rating: number,
    recommended: boolean,
    extra: Row = {},
  ) => add('ResourceReview', { modelVersionId, modelId, userId, rating, recommended, ...extra });
  w.rows.rv0 = await review(v0, m0, u2, 5, true, { createdAt: ago(10 * DAY) });
  w.rows.rv1 = await review(v0, m0, u3, 2, false);
  w.rows.rv2 = await review(v0, m0, u4, 4, true, { createdAt: ago(3 * DAY) });
  w.rows.rv3 = await review(v2, m1, u5, 1, false, { exclude: true });
  w.rows.rv4 = await review(v2, m1, u6, 3, true);

  // Comments v1 on m0: one on v0, a reply, one hidden.
  w.rows.c0 = await add('Comment', { content: 'nice', userId: u2, modelId: m0, modelVersionId: v0 });
  w.rows.c1 = await add('Comment', {
    content: 'thanks',
    userId: u0,
    modelId: m0,
    parentId: w.rows.c0.id,
    createdAt: ago(10 * DAY),
  });
  w.rows.c2 = await add('Comment', { content: 'spam', userId: u7, modelId: m0, hidden: true });

  // Articles, with reactions and engagements.
  const a0 = id(await add('Article', { userId: u0, title: `${tag} a0` }));
  const a1 = id(await add('Article', { userId: u1, title: `${tag} a1` }));
  w.articles.push(a0, a1);
  w.rows.ar0 = await react('ArticleReaction', 'articleId', a0, u2, 'Like');
  await react('ArticleReaction', 'articleId', a0, u3, 'Heart', 10 * DAY);
  await react('ArticleReaction', 'articleId', a1, u4, 'Laugh');
  w.rows.ae0 = await add('ArticleEngagement', { userId: u2, articleId: a0, type: 'Favorite' });
  w.rows.ae1 = await add('ArticleEngagement', { userId: u3, articleId: a0, type: 'Hide' });

  // Bounties, entries, benefactors, entry reactions.
  const b0 = id(await add('Bounty', { userId: u0, name: `${tag} b0` }));
  const b1 = id(await add('Bounty', { userId: u1, name: `${tag} b1` }));
  w.bounties.push(b0, b1);
  const e0 = id(await add('BountyEntry', { bountyId: b0, userId: u2 }));
  const e1 = id(await add('BountyEntry', { bountyId: b0, userId: u3, createdAt: ago(3 * DAY) }));
  w.rows.e2 = await add('BountyEntry', { bountyId: b1, userId: u4 });
  w.entries.push(e0, e1);
  w.rows.bb0 = await add('BountyBenefactor', { bountyId: b0, userId: u0, unitAmount: 100 });
  w.rows.bb1 = await add('BountyBenefactor', {
    bountyId: b0,
    userId: u5,
    unitAmount: 40,
    createdAt: ago(10 * DAY),
  });
  w.rows.bb2 = await add('BountyBenefactor', { bountyId: b1, userId: u6, unitAmount: 25 });
  w.rows.be0 = await add('BountyEngagement', { userId: u2, bountyId: b0, type: 'Favorite' });
  await add('BountyEngagement', { userId: u2, bountyId: b0, type: 'Track' });
  await add('BountyEngagement', { userId: u3, bountyId: b1, type: 'Track' });
  w.rows.ber0 = await react('BountyEntryReaction', 'bountyEntryId', e0, u4, 'Like');
  w.rows.ber1 = await react('BountyEntryReaction', 'bountyEntryId', e1, u5, 'Heart', 3 * DAY);

  const published = await createRelations(add, publisher, w, tag);
  w.changes = changes + published;
  return w;
}
