import type pg from 'pg';

/** The entities sample traffic works on: created once at start, then engaged with. */
export interface SampleWorld {
  users: number[];
  models: number[];
  /** Version id → its model id. */
  versions: Map<number, number>;
  posts: number[];
  images: number[];
  articles: number[];
  bounties: number[];
  entries: number[];
  collections: number[];
  tags: number[];
  /** Comment threads of posts, images, articles and bounties. */
  threads: number[];
}

const one = async (db: pg.Client, sql: string, params: unknown[]): Promise<number> =>
  (await db.query(sql, params)).rows[0].id as number;

/** Creates users, models with versions, posts with images, articles, bounties, collections and tags. */
export async function createSampleWorld(
  db: pg.Client,
  tag = `sample-${Date.now().toString(36)}`,
): Promise<SampleWorld> {
  const w: SampleWorld = {
    users: [],
    models: [],
    versions: new Map(),
    posts: [],
    images: [],
    articles: [],
    bounties: [],
    entries: [],
    collections: [],
    tags: [],
    threads: [],
  };
  for (let i = 0; i < 20; i++)
    w.users.push(await one(db, 'INSERT INTO "User"(username) VALUES ($1) RETURNING id', [`${tag}-${i}`]));
  const user = (i: number) => w.users[i % w.users.length]!;
  for (let i = 0; i < 6; i++) {
    const model = await one(
      db,
      `INSERT INTO "Model"(name,"userId",status) VALUES ($1,$2,'Published') RETURNING id`,
      [`${tag} model ${i}`, user(i)],
    );
    w.models.push(model);
    for (let v = 0; v < 2; v++) {
      const status = v === 0 ? 'Published' : 'Draft';
      w.versions.set(
        await one(db, `INSERT INTO "ModelVersion"("modelId",name,status) VALUES ($1,$2,$3) RETURNING id`, [
          model,
          `v${v}`,
          status,
        ]),
        model,
      );
    }
  }
  const versions = [...w.versions.keys()];
  for (let i = 0; i < 10; i++) {
    const post = await one(
      db,
      `INSERT INTO "Post"("userId","modelVersionId",title) VALUES ($1,$2,$3) RETURNING id`,
      [user(i), versions[i % versions.length], `${tag} post ${i}`],
    );
    w.posts.push(post);
    w.threads.push(await one(db, `INSERT INTO "Thread"("postId") VALUES ($1) RETURNING id`, [post]));
    for (let j = 0; j < 3; j++) {
      const image = await one(
        db,
        `INSERT INTO "Image"("userId","postId",url) VALUES ($1,$2,$3) RETURNING id`,
        [user(i), post, `${tag}/${i}-${j}.png`],
      );
      w.images.push(image);
      await db.query(`INSERT INTO "ImageResource"("imageId","modelVersionId") VALUES ($1,$2)`, [
        image,
        versions[(i + j) % versions.length],
      ]);
      if (j === 0)
        w.threads.push(await one(db, `INSERT INTO "Thread"("imageId") VALUES ($1) RETURNING id`, [image]));
    }
  }
  for (let i = 0; i < 4; i++) {
    const article = await one(db, `INSERT INTO "Article"("userId",title) VALUES ($1,$2) RETURNING id`, [
      user(i + 3),
      `${tag} article ${i}`,
    ]);
    w.articles.push(article);
    w.threads.push(await one(db, `INSERT INTO "Thread"("articleId") VALUES ($1) RETURNING id`, [article]));
  }
  for (let i = 0; i < 3; i++) {
    const bounty = await one(db, `INSERT INTO "Bounty"("userId",name) VALUES ($1,$2) RETURNING id`, [
      user(i + 5),
      `${tag} bounty ${i}`,
    ]);
    w.bounties.push(bounty);
    w.threads.push(await one(db, `INSERT INTO "Thread"("bountyId") VALUES ($1) RETURNING id`, [bounty]));
    for (let e = 0; e < 2; e++)
      w.entries.push(
        await one(db, `INSERT INTO "BountyEntry"("bountyId","userId") VALUES ($1,$2) RETURNING id`, [
          bounty,
          user(i + e + 7),
        ]),
      );
  }
  for (const [i, mode] of [null, 'Bookmark', null, 'Bookmark'].entries())
    w.collections.push(
      await one(db, `INSERT INTO "Collection"(name,"userId",mode) VALUES ($1,$2,$3) RETURNING id`, [
        `${tag} collection ${i}`,
        user(i),
        mode,
      ]),
    );
  for (const name of ['anime', 'landscape', 'portrait', 'photo', 'scifi'])
    w.tags.push(await one(db, `INSERT INTO "Tag"(name) VALUES ($1) RETURNING id`, [`${tag}-${name}`]));
  return w;
}

/**
 * Removes from `world` the entities a delete took with it (cascades included): one query per entity table.
 * A world with more in it (the cascade test's) keeps the rest as it is.
 */
export async function forgetDeleted(db: pg.Client, world: SampleWorld): Promise<void> {
  const alive = async (table: string, ids: Iterable<number>) =>
    new Set(
      (await db.query(`SELECT id FROM "${table}" WHERE id = ANY($1)`, [[...ids]])).rows.map(
        (r) => r.id as number,
      ),
    );
  const keep = async (table: string, ids: number[]) => {
    const found = await alive(table, ids);
    return ids.filter((id) => found.has(id));
  };
  world.users = await keep('User', world.users);
  world.models = await keep('Model', world.models);
  const versions = await alive('ModelVersion', world.versions.keys());
  for (const id of world.versions.keys()) if (!versions.has(id)) world.versions.delete(id);
  world.posts = await keep('Post', world.posts);
  world.images = await keep('Image', world.images);
  world.articles = await keep('Article', world.articles);
  world.bounties = await keep('Bounty', world.bounties);
  world.entries = await keep('BountyEntry', world.entries);
  world.collections = await keep('Collection', world.collections);
  world.threads = await keep('Thread', world.threads);
}
