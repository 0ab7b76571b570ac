// The entities of the cascade test and the SQL that changes them: a seeded random source, a world of
// users owning models (with versions), posts (with images), collections, articles and bounties, and one
// function per kind of change. Every statement is counted by kind, so the test can print what it did.
import type pg from 'pg';
import { seededRandom } from '../../../../scripts/sample-traffic/random.js';
import { forgetDeleted } from '../../../../scripts/sample-traffic/sample-world.js';
import { ago } from './scripted-run.js';

const DAY = 86_400_000;
const REACTIONS = ['Like', 'Like', 'Heart', 'Laugh', 'Cry', 'Dislike'];

/** What the run created and what still exists, by kind (refreshed after every delete). */
export interface CascadeWorld {
  users: number[];
  models: number[];
  /** Version id → model id. */
  versions: Map<number, number>;
  /** The first version of each model: ClickHouse rows reference it, so it is only deleted with its model. */
  chVersions: Set<number>;
  posts: number[];
  images: number[];
  threads: number[];
  collections: number[];
  articles: number[];
  bounties: number[];
  entries: number[];
  tags: number[];
}

/** Runs SQL against the world with a seeded choice of rows; counts statements and top-level rows by kind. */
export class CascadeSql {
  /** Statements per kind. */
  readonly statements: Record<string, number> = {};
  /** Rows each kind changed directly (cascaded rows not included). */
  readonly rows: Record<string, number> = {};
  readonly world: CascadeWorld = {
    users: [],
    models: [],
    versions: new Map(),
    chVersions: new Set(),
    posts: [],
    images: [],
    threads: [],
    collections: [],
    articles: [],
    bounties: [],
    entries: [],
    tags: [],
  };
  readonly random: () => number;

  constructor(
    private readonly db: pg.Client,
    readonly seed: number,
    readonly tag: string,
  ) {
    this.random = seededRandom(seed);
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.random() * items.length)];
  }

  /** A creation time: now, 3 days or 10 days ago, so the day, week and all-time windows differ. */
  createdAt(): string {
    return ago(this.pick([0, 0, 0, 3 * DAY, 10 * DAY])!);
  }

  async run(kind: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    const result = await this.db.query(sql, params);
    this.statements[kind] = (this.statements[kind] ?? 0) + 1;
    this.rows[kind] = (this.rows[kind] ?? 0) + (result.rowCount ?? 0);
    return result;
  }

  /** Inserts one row and returns its id. */
  async insert(kind: string, table: string, row: Record<string, unknown>): Promise<number> {
    const cols = Object.keys(row);
    const result = await this.run(
      kind,
      `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')})
       VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      Object.values(row),
    );
    return result.rows[0].id as number;
  }

  /** Deletes one row of the world's `table` (by id) and forgets everything that went with it. */
  async remove(kind: string, table: string, ids: readonly number[]): Promise<void> {
    const id = this.pick(ids);
    if (id === undefined) return;
    await this.run(kind, `DELETE FROM "${table}" WHERE id = $1`, [id]);
    await this.refresh();
  }

  /** Drops from the world every entity a cascade took with it. */
  refresh(): Promise<void> {
    return forgetDeleted(this.db, this.world);
  }

  /** Creates `users` users, each with models, posts of images, collections, an article and a bounty. */
  async createWorld(users: number): Promise<void> {
    const w = this.world;
    // Postgres' random() picks the rows that SQL changes choose; seeded too, so a run can be replayed.
    await this.db.query('SELECT setseed($1)', [(this.seed % 1000) / 1000]);
    for (let i = 0; i < 4; i++)
      w.tags.push(await this.insert('tag.create', 'Tag', { name: `${this.tag}-t${i}` }));
    for (let i = 0; i < users; i++) {
      const userId = await this.insert('user.create', 'User', { username: `${this.tag}-u${i}` });
      w.users.push(userId);
      for (let m = 0; m < 2; m++) {
        const model = await this.insert('model.create', 'Model', { name: `${this.tag} m${i}.${m}`, userId });
        w.models.push(model);
        for (let v = 0; v < 2; v++) {
          const status = v === 0 ? 'Published' : this.pick(['Published', 'Draft'])!;
          const version = await this.insert('version.create', 'ModelVersion', {
            modelId: model,
            name: `v${v}`,
            status,
          });
          w.versions.set(version, model);
          if (v === 0) w.chVersions.add(version);
        }
      }
      for (let p = 0; p < 2; p++) {
        const postId = await this.insert('post.create', 'Post', { userId, title: `${this.tag} p${i}.${p}` });
        w.posts.push(postId);
        w.threads.push(await this.insert('thread.create', 'Thread', { postId }));
        for (let k = 0; k < 3; k++) await this.createImage(postId);
      }
      for (const mode of ['Bookmark', null])
        w.collections.push(
          await this.insert('collection.create', 'Collection', { name: `${this.tag} c${i}`, userId, mode }),
        );
      const articleId = await this.insert('article.create', 'Article', {
        userId,
        title: `${this.tag} a${i}`,
      });
      w.articles.push(articleId);
      w.threads.push(await this.insert('thread.create', 'Thread', { articleId }));
      if (i % 2 === 0) {
        const bountyId = await this.insert('bounty.create', 'Bounty', { userId, name: `${this.tag} b${i}` });
        w.bounties.push(bountyId);
        w.threads.push(await this.insert('thread.create', 'Thread', { bountyId }));
      }
    }
  }

  /** An image of the owner of `postId` in that post, made with one version, with its comment thread. */
  async createImage(postId: number): Promise<void> {
    const created = await this.run(
      'image.create',
      `INSERT INTO "Image"("userId","postId",url) SELECT "userId", id, $2 FROM "Post" WHERE id = $1 RETURNING id`,
      [postId, `${this.tag}.png`],
    );
    const imageId = created.rows[0]?.id as number | undefined;
    if (imageId === undefined) return;
    this.world.images.push(imageId);
    const version = this.pick([...this.world.versions.keys()]);
    if (version !== undefined)
      await this.run(
        'imageResource.create',
        `INSERT INTO "ImageResource"("imageId","modelVersionId") VALUES ($1,$2)`,
        [imageId, version],
      );
    this.world.threads.push(await this.insert('thread.create', 'Thread', { imageId }));
  }

  /** A reaction of a random user to a random image (at most one of each kind per user and image). */
  async react(): Promise<void> {
    const [imageId, userId] = [this.pick(this.world.images), this.pick(this.world.users)];
    if (imageId === undefined || userId === undefined) return;
    await this.run(
      'reaction.create',
      `INSERT INTO "ImageReaction"("imageId","userId",reaction,"createdAt") VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`,
      [imageId, userId, this.pick(REACTIONS), this.createdAt()],
    );
  }
}

export { REACTIONS };
