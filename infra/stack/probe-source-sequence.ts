/**
 * Checks, on the running local stack, what the event host's re-send filter relies on
 * (docs/architecture.md, point 5):
 *
 *   npx tsx infra/stack/probe-source-sequence.ts
 *
 * 1. In one partition of a Debezium topic, the `source.sequence` pairs (lastCommitLsn, lsn) of distinct
 *    changes strictly increase, also when transactions interleave (two connections keep writing in open
 *    transactions and commit in the opposite order, so later commits hold lower LSNs).
 * 2. A Kafka Connect SIGKILL and restart re-sends changes at new offsets with the identical sequence, at or
 *    below the highest pair seen before in their partition.
 *
 * It writes ImageReaction rows of its own users and images for a few seconds, kills Connect (by its
 * recorded pid) in the middle, starts it again, reads the topic from where it ended before, and prints the
 * counts. Exit 1 when a distinct change was not above the highest pair of its partition.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { readStackEnv } from './env.js';
import { killPart, stackUp } from './index.js';

const env = readStackEnv();
const TOPIC = `${env.DEBEZIUM_TOPIC_PREFIX ?? 'app'}.public.ImageReaction`;
const KINDS = ['Like', 'Heart', 'Laugh', 'Cry'];
const run = Date.now().toString(36);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });

interface Change {
  partition: number;
  offset: bigint;
  sequence: string | null;
  pair: readonly [bigint, bigint] | null;
  id: string;
}

const client = async () => {
  const c = new pg.Client({ connectionString: env.POSTGRES_URL });
  await c.connect();
  return c;
};
/** Inserts `n` rows, one statement after the other (one connection), and returns their ids. */
const rows = async (db: pg.Client, sql: string, params: unknown[], n: number) => {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await db.query(sql, [...params, i])).rows[0].id);
  return ids;
};

/** Writes until `stop`: single statements, and pairs of interleaved transactions committed in reverse. */
async function traffic(stop: { now: boolean }): Promise<number> {
  const db = await client();
  const [owner] = await rows(
    db,
    `INSERT INTO "User"(username) VALUES ($1::text || $2::text) RETURNING id`,
    [`probe-${run}-`],
    1,
  );
  const images = await rows(
    db,
    `INSERT INTO "Image"("userId") SELECT $1::int + 0 * $2::int RETURNING id`,
    [owner],
    10,
  );
  const fans = (tag: string) =>
    rows(
      db,
      `INSERT INTO "User"(username) VALUES ($1::text || $2::text) RETURNING id`,
      [`probe-${run}-${tag}`],
      10,
    );
  const [single, first, second] = [await fans('s'), await fans('a'), await fans('b')];
  const react = (c: pg.Client, users: number[]) =>
    c.query(
      `INSERT INTO "ImageReaction"("imageId","userId",reaction) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
      [pick(images), pick(users), pick(KINDS)],
    );
  let writes = 0;
  const steady = async () => {
    while (!stop.now) {
      await react(db, single);
      await db.query(
        `DELETE FROM "ImageReaction" WHERE id = (SELECT max(id) FROM "ImageReaction" WHERE "userId" = ANY($1))`,
        [single],
      );
      writes += 2;
      await sleep(3);
    }
  };
  const interleaved = async () => {
    // Disjoint users per connection: waiting on the other's uncommitted key would block this loop.
    const [a, b] = [await client(), await client()];
    while (!stop.now) {
      await a.query('BEGIN');
      await b.query('BEGIN');
      for (let i = 0; i < 3; i++) {
        await react(a, first);
        await react(b, second);
      }
      await b.query('COMMIT');
      await a.query('COMMIT');
      writes += 6;
      await sleep(5);
    }
    await Promise.all([a.end(), b.end()]);
  };
  await Promise.all([steady(), interleaved()]);
  await db.end();
  return writes;
}

/** Every change record of `topic` from `from` (per partition) to the end, once the end stopped moving. */
async function readChanges(from: Map<number, bigint>): Promise<Change[]> {
  const admin = kafka.admin();
  await admin.connect();
  let end = JSON.stringify(await admin.fetchTopicOffsets(TOPIC));
  for (;;) {
    await sleep(5_000);
    const again = JSON.stringify(await admin.fetchTopicOffsets(TOPIC));
    if (again === end) break;
    end = again;
  }
  await admin.disconnect();
  const ends = new Map(
    (JSON.parse(end) as { partition: number; high: string }[]).map((p) => [p.partition, BigInt(p.high)]),
  );
  const seen = new Map<string, Change | null>();
  const want = [...ends].reduce((n, [p, high]) => n + Number(high - (from.get(p) ?? 0n)), 0);
  const consumer = kafka.consumer({ groupId: `probe-sequence-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const offset = BigInt(message.offset);
      const key = `${partition}:${offset}`;
      if (offset < (from.get(partition) ?? 0n) || seen.has(key)) return;
      if (!message.value) return void seen.set(key, null);
      const { source, op } = JSON.parse(message.value.toString());
      const sequence: string | null = source.sequence ?? null;
      const [last, lsn] = sequence ? (JSON.parse(sequence) as [string | null, string | null]) : [null, null];
      const pair = last !== null && lsn !== null ? ([BigInt(last), BigInt(lsn)] as const) : null;
      seen.set(key, {
        partition,
        offset,
        sequence,
        pair,
        id: `${source.lsn}|${source.txId}|${op}|${message.key}`,
      });
    },
  });
  while (seen.size < want) await sleep(200);
  await consumer.disconnect();
  return [...seen.values()].filter((c): c is Change => c !== null);
}

const above = (a: readonly [bigint, bigint], b: readonly [bigint, bigint]) =>
  a[0] !== b[0] ? a[0] > b[0] : a[1] > b[1];

function analyse(changes: Change[]) {
  const out = { records: changes.length, distinct: 0, resent: 0, resentIdentical: 0, resentNotAbove: 0 };
  const more = { distinctNotAbove: 0, lowerLsnThanBefore: 0, withoutPair: 0 };
  for (const partition of new Set(changes.map((c) => c.partition))) {
    const own = changes
      .filter((c) => c.partition === partition)
      .sort((a, b) => (a.offset < b.offset ? -1 : 1));
    const first = new Map<string, Change>();
    let max: readonly [bigint, bigint] | null = null;
    let maxLsn = -1n;
    for (const c of own) {
      if (!c.pair) {
        more.withoutPair++;
        continue;
      }
      const original = first.get(c.id);
      if (original) {
        out.resent++;
        if (original.sequence === c.sequence) out.resentIdentical++;
        if (max && !above(c.pair, max)) out.resentNotAbove++;
      } else {
        out.distinct++;
        first.set(c.id, c);
        if (max && !above(c.pair, max)) more.distinctNotAbove++;
        if (c.pair[1] < maxLsn) more.lowerLsnThanBefore++;
      }
      if (!max || above(c.pair, max)) max = c.pair;
      if (c.pair[1] > maxLsn) maxLsn = c.pair[1];
    }
  }
  return { ...out, ...more };
}

const admin = kafka.admin();
await admin.connect();
const from = new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, BigInt(p.high)]));
await admin.disconnect();
const stop = { now: false };
const writing = traffic(stop);
await sleep(4_000);
const pid = await killPart('connect');
console.log(`SIGKILLed Kafka Connect (pid ${pid}); starting it again`);
const restart = Date.now();
await stackUp({ log: () => {} });
console.log(`Kafka Connect up again after ${((Date.now() - restart) / 1000).toFixed(0)} s`);
await sleep(4_000);
stop.now = true;
console.log(`${await writing} writes`);
const result = analyse(await readChanges(from));
console.log(JSON.stringify(result, null, 2));
process.exit(result.distinctNotAbove > 0 ? 1 : 0);
