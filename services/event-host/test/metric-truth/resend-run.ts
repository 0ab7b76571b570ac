// Helpers of the re-send test: reaction traffic on a run's world, and waiting until a consumer group has
// stored and applied everything.
import { fetchHostGroupOffsets, fetchTopicOffsets } from '@engagement/event-bus/kafka';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import type { RunWorld } from './scripted-run.js';

const KINDS = ['Like', 'Dislike', 'Laugh', 'Cry', 'Heart'] as const;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/**
 * Adds, removes and changes reactions on the world's images, articles and bounty entries, from `writers`
 * connections at once, until `signal` aborts. Returns the number of statements that changed a row.
 */
export async function reactionTraffic(
  url: string,
  world: RunWorld,
  signal: AbortSignal,
  writers = 2,
): Promise<number> {
  const targets = [
    { table: 'ImageReaction', column: 'imageId', ids: world.images },
    { table: 'ArticleReaction', column: 'articleId', ids: world.articles },
    { table: 'BountyEntryReaction', column: 'bountyEntryId', ids: world.entries },
  ];
  const writer = async () => {
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    let changes = 0;
    try {
      while (!signal.aborted) {
        changes += await change(db).catch((error: { code?: string }) => {
          // The writers race each other on the unique key: a lost race changes nothing.
          if (error.code === '23505' || error.code === '40P01') return 0;
          throw error;
        });
        await new Promise((r) => setTimeout(r, 2));
      }
    } finally {
      await db.end();
    }
    return changes;
  };
  /** One random insert, or (when the row exists) a delete or a change of its kind; the rows it changed. */
  const change = async (db: pg.Client): Promise<number> => {
    const { table, column, ids } = pick(targets);
    const row = [pick(ids), pick(world.users), pick(KINDS)];
    const key = `"${column}" = $1 AND "userId" = $2 AND reaction = $3`;
    const inserted = await db.query(
      `INSERT INTO "${table}"("${column}", "userId", reaction) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING id`,
      row,
    );
    let changed = inserted.rowCount ?? 0;
    if (changed === 0 && Math.random() < 0.5) {
      changed = (await db.query(`DELETE FROM "${table}" WHERE ${key}`, row)).rowCount ?? 0;
    } else if (changed === 0) {
      const other = pick(KINDS.filter((k) => k !== row[2]));
      const update = await db.query(
        `UPDATE "${table}" r SET reaction = $4 WHERE ${key} AND NOT EXISTS
               (SELECT 1 FROM "${table}" o WHERE o."${column}" = $1 AND o."userId" = $2 AND o.reaction = $4)`,
        [...row, other],
      );
      changed = update.rowCount ?? 0;
    }
    return changed;
  };
  const counts = await Promise.all(Array.from({ length: writers }, writer));
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Waits until the group has committed every source topic and the metric topic up to their ends, and the
 * ends stayed put for `quietMs` (a connector catching up keeps moving them): everything is stored in
 * ClickHouse and applied to Redis.
 */
export async function drained(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 240_000,
  quietMs = 3_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    let since = Date.now();
    for (;;) {
      const ends: Record<string, string> = {};
      for (const topic of topics)
        for (const p of await fetchTopicOffsets(admin, topic)) ends[`${topic}:${p.partition}`] = p.high;
      const committed: Record<string, string> = {};
      for (const t of await fetchHostGroupOffsets(admin, groupId, topics))
        for (const p of t.partitions) committed[`${t.topic}:${p.partition}`] = p.offset;
      const done = Object.entries(ends).every(([k, high]) => high === '0' || committed[k] === high);
      const state = JSON.stringify(ends);
      if (state !== last || !done) since = Date.now();
      last = state;
      if (done && Date.now() - since >= quietMs) return;
      if (Date.now() > deadline)
        throw new Error(`group ${groupId} not drained: ${state} vs ${JSON.stringify(committed)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await admin.disconnect();
  }
}
