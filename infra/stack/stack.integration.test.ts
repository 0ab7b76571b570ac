import { type Consumer, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStackEnv } from './index.js';

interface ChangeEvent {
  op: 'c' | 'u' | 'd' | 'r';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: { table: string; schema: string; db: string; lsn: number; txId: number };
  transaction: { id: string } | null;
  ts_ms: number;
}

interface Received {
  key: unknown;
  value: ChangeEvent | null;
}

/**
 * Collects the change events of one topic that arrive after `start()`: it seeks every
 * partition to its current end, so events left by earlier runs never reach the test.
 */
class TopicTap {
  readonly messages: Received[] = [];
  private consumer: Consumer;

  constructor(
    private kafka: Kafka,
    readonly topic: string,
  ) {
    // A short fetch wait: disconnect() waits for the fetch in flight (5 s by default).
    this.consumer = kafka.consumer({
      groupId: `stack-test-${process.pid}-${Date.now()}`,
      maxWaitTimeInMs: 100,
    });
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    // Connect creates table topics on first change; creating it here lets us seek before that.
    await admin.createTopics({ topics: [{ topic: this.topic, numPartitions: 3 }], waitForLeaders: true });
    const ends = await admin.fetchTopicOffsets(this.topic);
    await admin.disconnect();

    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        this.messages.push(decode(message));
      },
    });
    for (const { partition, offset } of ends) this.consumer.seek({ topic: this.topic, partition, offset });
  }

  async waitFor(predicate: (m: Received) => boolean, timeoutMs = 30_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no matching event on ${this.topic} within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

function decode(message: KafkaMessage): Received {
  return {
    key: message.key ? JSON.parse(message.key.toString()) : null,
    value: message.value ? (JSON.parse(message.value.toString()) as ChangeEvent) : null,
  };
}

const keyId = (m: Received) => (m.key as { id?: number } | null)?.id;

describe('local stack: Postgres -> Debezium -> Kafka', () => {
  const env = readStackEnv();
  const prefix = env.DEBEZIUM_TOPIC_PREFIX ?? 'app';
  const kafka = new Kafka({
    clientId: 'stack-test',
    brokers: [env.KAFKA_BROKERS ?? ''],
    logLevel: logLevel.WARN,
  });
  const db = new pg.Client({ connectionString: env.POSTGRES_URL });

  beforeAll(async () => {
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
  });

  it('streams insert, delete (with the whole old row) and tombstone of an ImageReaction', async () => {
    const tap = new TopicTap(kafka, `${prefix}.public.ImageReaction`);
    await tap.start();
    try {
      const user = await db.query<{ id: number }>(
        `INSERT INTO "User" ("username") VALUES ($1) RETURNING "id"`,
        [`stack-test-${Date.now()}`],
      );
      const userId = user.rows[0]!.id;
      const image = await db.query<{ id: number }>(
        `INSERT INTO "Image" ("userId", "postId") VALUES ($1, NULL) RETURNING "id"`,
        [userId],
      );
      const imageId = image.rows[0]!.id;
      const reaction = await db.query<{ id: number }>(
        `INSERT INTO "ImageReaction" ("imageId", "userId", "reaction", "createdAt")
         VALUES ($1, $2, 'Heart', '2024-05-06 07:08:09.123') RETURNING "id"`,
        [imageId, userId],
      );
      const id = reaction.rows[0]!.id;
      // timestamp(3) arrives as epoch milliseconds (Debezium's io.debezium.time.Timestamp).
      const row = { id, imageId, userId, reaction: 'Heart', createdAt: Date.UTC(2024, 4, 6, 7, 8, 9, 123) };

      const created = await tap.waitFor((m) => keyId(m) === id && m.value?.op === 'c');
      expect(created.key).toEqual({ id });
      expect(created.value?.source).toMatchObject({ table: 'ImageReaction', schema: 'public', db: 'app' });
      expect(created.value?.before).toBeNull();
      expect(created.value?.after).toEqual(row);
      expect(created.value?.transaction?.id).toBeTruthy();

      await db.query(`DELETE FROM "ImageReaction" WHERE "id" = $1`, [id]);
      const deleted = await tap.waitFor((m) => keyId(m) === id && m.value?.op === 'd');
      expect(deleted.value?.source.table).toBe('ImageReaction');
      // REPLICA IDENTITY FULL: the old row has every column, not just the key.
      expect(deleted.value?.before).toEqual(row);
      expect(deleted.value?.after).toBeNull();

      // Same partition as the delete (same key), so it follows it.
      const tombstone = await tap.waitFor((m) => keyId(m) === id && m.value === null);
      expect(tap.messages.indexOf(tombstone)).toBeGreaterThan(tap.messages.indexOf(deleted));

      await db.query(`DELETE FROM "User" WHERE "id" = $1`, [userId]);
    } finally {
      await tap.stop();
    }
  });

  it('renders the TypeProbe column types the way the decoder will see them', async () => {
    const tap = new TopicTap(kafka, `${prefix}.public.TypeProbe`);
    await tap.start();
    try {
      const inserted = await db.query<{ id: string }>(
        `INSERT INTO "TypeProbe" ("amount", "flag", "meta", "at", "atz", "day")
         VALUES (1234.5678, true, '{"a": [1, 2], "b": "x"}', '2024-05-06 07:08:09.123456',
                 '2024-05-06 07:08:09.5+02', '2024-05-06')
         RETURNING "id"`,
      );
      const id = Number(inserted.rows[0]!.id);
      const event = await tap.waitFor((m) => keyId(m) === id && m.value?.op === 'c');
      expect(event.value?.after).toEqual({
        id, // bigint as a JSON number (safe below 2^53)
        amount: '1234.5678', // decimal.handling.mode=string
        flag: true,
        meta: '{"a": [1, 2], "b": "x"}', // jsonb as its text
        at: Date.UTC(2024, 4, 6, 7, 8, 9) * 1000 + 123456, // timestamp(6): epoch microseconds
        atz: '2024-05-06T05:08:09.500000Z', // timestamptz: ISO string in UTC
        day: Math.round(Date.UTC(2024, 4, 6) / 86_400_000), // date: days since epoch
      });
      await db.query(`DELETE FROM "TypeProbe" WHERE "id" = $1`, [id]);
    } finally {
      await tap.stop();
    }
  });
});
