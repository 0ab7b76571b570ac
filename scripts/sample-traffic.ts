import type pg from 'pg';

/**
 * Writes realistic engagement into Postgres: users, images, and reactions that are added, changed and
 * removed at roughly `perSecond` changes per second, until `signal` aborts.
 */
export async function runSampleTraffic(db: pg.Client, perSecond: number, signal: AbortSignal): Promise<void> {
  const users: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await db.query('INSERT INTO "User"(username) VALUES ($1) RETURNING id', [
      `sample-${Date.now()}-${i}`,
    ]);
    users.push(r.rows[0].id);
  }
  const images: number[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await db.query('INSERT INTO "Image"("userId") VALUES ($1) RETURNING id', [pick(users)]);
    images.push(r.rows[0].id);
  }
  const kinds = ['Like', 'Like', 'Like', 'Heart', 'Laugh', 'Cry', 'Dislike'];
  while (!signal.aborted) {
    const roll = Math.random();
    if (roll < 0.7) {
      await db.query(
        `INSERT INTO "ImageReaction"("imageId","userId",reaction) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
        [pick(images), pick(users), pick(kinds)],
      );
    } else if (roll < 0.85) {
      await db.query(
        `UPDATE "ImageReaction" SET reaction = $1 WHERE id = (SELECT id FROM "ImageReaction" ORDER BY random() LIMIT 1)
         AND NOT EXISTS (SELECT 1 FROM "ImageReaction" o WHERE o."imageId" = "ImageReaction"."imageId"
                         AND o."userId" = "ImageReaction"."userId" AND o.reaction = $1)`,
        [pick(kinds)],
      );
    } else {
      await db.query(
        `DELETE FROM "ImageReaction" WHERE id = (SELECT id FROM "ImageReaction" ORDER BY random() LIMIT 1)`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000 / perSecond));
  }
}

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}
