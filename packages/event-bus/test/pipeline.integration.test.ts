import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecoder } from '../src/events/decode.js';
import { createEventPipeline, type EventPipeline } from '../src/kafka/create-pipeline.js';
import { DLQ_HEADERS } from '../src/kafka/dead-letters.js';
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { clickhouseTotals, connectStack, type StackConnections, waitFor } from './integration-env.js';
import { samplePlugin } from './sample-plugin.js';

let stack: StackConnections;
let pipeline: EventPipeline;
let deadLetterTopic: string;
// Malformed input goes to a topic of this run (routed like a Debezium table topic), never into the
// stack's real Debezium topics, which other tests and `npm start` read from the beginning.
let poisonTopic: string;

async function insertUser(name: string): Promise<number> {
  const r = await stack.pg.query('INSERT INTO "User"(username) VALUES ($1) RETURNING id', [
    stack.unique(name),
  ]);
  return r.rows[0].id;
}

beforeAll(async () => {
  stack = await connectStack();
  deadLetterTopic = stack.unique('test.dead-letters');
  poisonTopic = stack.unique('test.poison');
  pipeline = await createEventPipeline({
    brokers: stack.env.KAFKA_BROKERS!.split(','),
    groupId: stack.unique('test-pipeline'),
    plugins: [samplePlugin],
    decode: createDecoder({
      debezium: { topicPrefix: stack.env.DEBEZIUM_TOPIC_PREFIX! },
      overrides: { [poisonTopic]: { kind: 'debezium', schema: 'public', table: 'ImageReaction' } },
    }),
    sourceTopics: ['app.public.ImageReaction', 'app.public.TypeProbe', poisonTopic],
    createTopics: ['app.public.ImageReaction', 'app.public.TypeProbe', poisonTopic],
    metricTopic: stack.unique('test.metric-events'),
    deadLetterTopic,
    clickhouse: stack.clickhouse,
    redis: stack.redis,
    cacheScope: stack.unique('scope'),
    flushIntervalMs: 300,
    listenerMaxAttempts: 2,
  });
  await pipeline.start();
});

afterAll(async () => {
  await pipeline?.close();
  await stack?.close();
});

describe('pipeline on the real stack', () => {
  it('turns Postgres changes into ClickHouse rows and increments only cached Redis hashes', async () => {
    const owner = await insertUser('owner');
    const fans = [await insertUser('fan1'), await insertUser('fan2'), await insertUser('fan3')];
    const image = (await stack.pg.query('INSERT INTO "Image"("userId") VALUES ($1) RETURNING id', [owner]))
      .rows[0].id;
    // The image's hash is cached (the reader filled it); the fans' hashes are not.
    await stack.redis.hset(defaultCacheKeys.key('Image', image), {
      likeCount: 5,
      heartCount: 0,
      laughCount: 0,
      reactionCount: 5,
    });

    const react = async (user: number, reaction: string) =>
      (
        await stack.pg.query(
          'INSERT INTO "ImageReaction"("imageId","userId",reaction) VALUES ($1,$2,$3) RETURNING id',
          [image, user, reaction],
        )
      ).rows[0].id as number;
    await react(fans[0]!, 'Like');
    const heart = await react(fans[1]!, 'Heart');
    const like2 = await react(fans[2]!, 'Like');
    await stack.pg.query('DELETE FROM "ImageReaction" WHERE id = $1', [like2]);
    await stack.pg.query(`UPDATE "ImageReaction" SET reaction = 'Laugh' WHERE id = $1`, [heart]);

    const expected = { heartCount: 0, laughCount: 1, likeCount: 1, reactionCount: 2 };
    const totals = await waitFor(
      () => clickhouseTotals(stack.clickhouse, 'Image', image),
      (t) => JSON.stringify(t) === JSON.stringify(expected),
    );
    expect(totals).toEqual(expected);
    expect(await clickhouseTotals(stack.clickhouse, 'User', fans[1]!)).toEqual({ reactionCount: 1 });

    const cached = await waitFor(
      () => stack.redis.hgetall(defaultCacheKeys.key('Image', image)),
      (h) => h.reactionCount === '7',
    );
    expect(cached).toEqual({ likeCount: '6', heartCount: '0', laughCount: '1', reactionCount: '7' });
    expect(await stack.redis.exists(defaultCacheKeys.key('User', fans[0]!))).toBe(0);
  });

  it('dead-letters malformed JSON and an always-failing listener, and keeps processing the partition', async () => {
    const producer = stack.kafka.producer({ idempotent: true });
    await producer.connect();
    // Malformed bytes on a Debezium-routed topic, and a valid change right behind it on the same
    // partition, which must still be counted.
    const imageAfterPoison = 900_000_000 + Math.floor(Math.random() * 1_000_000);
    const valid = {
      before: null,
      after: { id: 1, imageId: imageAfterPoison, userId: 1, reaction: 'Heart', createdAt: Date.now() },
      source: { ts_ms: Date.now(), lsn: 1, txId: 1, schema: 'public', table: 'ImageReaction', db: 'app' },
      op: 'c',
      ts_ms: Date.now(),
    };
    await producer.send({
      topic: poisonTopic,
      messages: [
        { key: 'x', value: '{"not json', partition: 0 },
        { key: '{"id":1}', value: JSON.stringify(valid), partition: 0 },
      ],
    });
    await producer.disconnect();
    const probe = await stack.pg.query(
      `INSERT INTO "TypeProbe"(amount, flag) VALUES ('12.5000', true) RETURNING id`,
    );
    const user = await insertUser('after-poison');
    const image = (await stack.pg.query('INSERT INTO "Image"("userId") VALUES ($1) RETURNING id', [user]))
      .rows[0].id;
    await stack.pg.query(`INSERT INTO "ImageReaction"("imageId","userId",reaction) VALUES ($1,$2,'Cry')`, [
      image,
      user,
    ]);

    const letters: { headers: Record<string, string>; value: string | null }[] = [];
    const consumer = stack.kafka.consumer({ groupId: stack.unique('dlq-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        letters.push({ headers, value: message.value?.toString() ?? null });
      },
    });
    // The group reads each topic from the beginning, so earlier runs' rows are dead-lettered too: find ours.
    const probeId = String(probe.rows[0].id);
    const isOurProbe = (l: (typeof letters)[number]) =>
      l.headers[DLQ_HEADERS.listener] === 'sample.always-throws' &&
      String(JSON.parse(l.value!).after?.id) === probeId;
    try {
      await waitFor(async () => letters.some(isOurProbe), Boolean);
    } finally {
      await consumer.disconnect();
    }
    const decodeFailure = letters.find(
      (l) => l.value === '{"not json' && l.headers[DLQ_HEADERS.topic] === poisonTopic,
    );
    expect(decodeFailure?.headers[DLQ_HEADERS.code]).toBe('EB_DECODE_INVALID_JSON');
    expect(decodeFailure?.headers[DLQ_HEADERS.topic]).toBe(poisonTopic);
    const listenerFailure = letters.find(isOurProbe);
    expect(listenerFailure?.headers[DLQ_HEADERS.code]).toBe('EB_LISTENER_FAILED');
    expect(listenerFailure?.headers[DLQ_HEADERS.message]).toContain('this listener always fails');
    expect(listenerFailure?.headers[DLQ_HEADERS.attempts]).toBe('2');
    // Later messages of the same partitions were processed.
    const totals = await waitFor(
      () => clickhouseTotals(stack.clickhouse, 'Image', image),
      (t) => t.cryCount === 1,
    );
    expect(totals).toEqual({ cryCount: 1, reactionCount: 1 });
    const samePartition = await waitFor(
      () => clickhouseTotals(stack.clickhouse, 'Image', imageAfterPoison),
      (t) => t.heartCount === 1,
    );
    expect(samePartition).toEqual({ heartCount: 1, reactionCount: 1 });
    expect(pipeline.stats.deadLetters).toBe(letters.length);
  });
});
