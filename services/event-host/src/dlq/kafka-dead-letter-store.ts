import { randomUUID } from 'node:crypto';
import type { KafkaRecord } from '@engagement/event-bus';
import { ensureTopics, fetchTopicOffsets } from '@engagement/event-bus/kafka';
import { REDRIVE_LISTENER_HEADER, REDRIVEN_FROM_HEADER } from '@engagement/event-bus/runtime';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { type DeadLetter, positionOf, toDeadLetter } from './dead-letter.js';
import type { DeadLetterMark, DeadLetterStore } from './dead-letter-store.js';

/**
 * Group whose committed offsets on the dead-letter topic marked what was redriven before marks existed.
 * Still read: a letter below its committed offset counts as redriven.
 */
export const redriveGroupOf = (groupId: string) => `${groupId}.dlq-redrive`;

/** The compacted topic holding one mark per decided letter, keyed by the letter's position. */
export const marksTopicOf = (deadLetterTopic: string) => `${deadLetterTopic}.marks`;

/** Header a redriven record carries: where in the dead-letter topic it came from (the event bus's name). */
export { REDRIVEN_FROM_HEADER };

/**
 * The dead-letter workflow's storage in Kafka. Letters are read from the dead-letter topic as it is (the
 * event bus writes them); decisions go to `<dead-letter topic>.marks`, a one-partition compacted topic keyed
 * by the letter's position, so the latest decision per letter is kept as long as the topic exists and any
 * Kafka tool can read it. Nothing connects until it is needed: reads open no producer.
 */
export class KafkaDeadLetterStore implements DeadLetterStore {
  private producer?: Promise<Producer>;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    private readonly groupId: string,
  ) {}

  async letters(): Promise<DeadLetter[]> {
    return (await readWhole(this.kafka, this.topic)).map(toDeadLetter);
  }

  async marks(letters: readonly DeadLetter[]): Promise<Map<string, DeadLetterMark>> {
    const marks = new Map<string, DeadLetterMark>();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      // Letters redriven by the offset-committing redrive of earlier versions count as redriven.
      const group = redriveGroupOf(this.groupId);
      const [t] = await admin.fetchOffsets({ groupId: group, topics: [this.topic] });
      const done = new Map(
        (t?.partitions ?? []).filter((p) => p.offset !== '-1').map((p) => [p.partition, BigInt(p.offset)]),
      );
      for (const l of letters) {
        if (BigInt(l.offset) < (done.get(l.partition) ?? 0n)) {
          marks.set(positionOf(l), { state: 'redriven', at: '', note: `committed by ${group}` });
        }
      }
    } finally {
      await admin.disconnect();
    }
    for (const record of await readWhole(this.kafka, marksTopicOf(this.topic))) {
      const key = record.key?.toString();
      if (!key) continue;
      if (record.value === null) marks.delete(key);
      else marks.set(key, JSON.parse(record.value.toString()) as DeadLetterMark);
    }
    return marks;
  }

  async mark(position: string, mark: DeadLetterMark): Promise<void> {
    const producer = await this.connectedProducer();
    await producer.send({
      topic: marksTopicOf(this.topic),
      acks: -1,
      messages: [{ key: position, value: JSON.stringify(mark) }],
    });
  }

  async resend(letter: DeadLetter): Promise<void> {
    const producer = await this.connectedProducer();
    const headers: Record<string, string> = { [REDRIVEN_FROM_HEADER]: positionOf(letter) };
    if (letter.listener) headers[REDRIVE_LISTENER_HEADER] = letter.listener;
    await producer.send({
      topic: letter.source.topic,
      acks: -1,
      messages: [{ key: letter.key, value: letter.value, partition: letter.source.partition, headers }],
    });
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await (await producer).disconnect();
  }

  /** Connects the producer on first use, creating the marks topic if needed. */
  private connectedProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        await createMarksTopic(admin, marksTopicOf(this.topic));
      } finally {
        await admin.disconnect();
      }
      const producer = this.kafka.producer({ idempotent: true });
      await producer.connect();
      return producer;
    })();
    return this.producer;
  }
}

async function createMarksTopic(admin: Admin, topic: string): Promise<void> {
  if (!(await admin.listTopics()).includes(topic)) {
    await admin
      .createTopics({
        topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      })
      .catch((error: unknown) => {
        // Created by someone else in the meantime.
        if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
      });
  }
  await ensureTopics(admin, [topic], { numPartitions: 1 });
}

/**
 * Every record of `topic` from the earliest stored offset up to the partition ends as they were when the
 * read started, with a throwaway group (deleted after). A topic that does not exist reads as empty.
 */
async function readWhole(kafka: Kafka, topic: string): Promise<KafkaRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  let pending: Set<number>;
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    const offsets = await fetchTopicOffsets(admin, topic);
    ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
    pending = new Set(offsets.filter((p) => BigInt(p.low) < BigInt(p.high)).map((p) => p.partition));
  } finally {
    await admin.disconnect();
  }
  const records: KafkaRecord[] = [];
  if (pending.size === 0) return records;

  const groupId = `event-host-dlq-read-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  await consumer.connect();
  let crashed: ((error: Error) => void) | undefined;
  consumer.on(consumer.events.CRASH, ({ payload }) => crashed?.(payload.error));
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`reading ${topic} took over 120 s`)), 120_000);
      crashed = (error) => {
        clearTimeout(timeout);
        reject(error);
      };
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const offset = BigInt(message.offset);
            if (!pending.has(partition) || offset >= ends.get(partition)!) return;
            records.push({ topic, partition, ...message });
            if (offset + 1n >= ends.get(partition)!) pending.delete(partition);
            if (pending.size === 0) {
              clearTimeout(timeout);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
