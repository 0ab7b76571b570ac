import { randomUUID } from 'node:crypto';
import { fetchTopicOffsets } from '@engagement/event-bus/kafka';
import { REDRIVE_LISTENER_HEADER } from '@engagement/event-bus/runtime';
import type { Admin, Kafka } from 'kafkajs';
import { type DeadLetter, toDeadLetter } from './dead-letter.js';

/** Group whose committed offsets on the dead-letter topic mark what was redriven. */
export const redriveGroupOf = (groupId: string) => `${groupId}.dlq-redrive`;

/** Header a redriven record carries: where in the dead-letter topic it came from. */
export const REDRIVEN_FROM_HEADER = 'eb.redrive.from';

/**
 * The dead-letter topic as operators use it. `list` reads it whole with a throwaway group; `redrive`
 * reads what its own group has not committed yet, re-sends each letter to its source partition (for the
 * failing listener only, via the redrive header) and commits it, so each letter is redriven once.
 */
export class DeadLetterTopic {
  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId: string,
  ) {}

  /** Every letter, oldest first per partition, and whether its redrive was committed. */
  async list(limit = Number.POSITIVE_INFINITY): Promise<(DeadLetter & { redriven: boolean })[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    const group = `event-host-dlq-list-${randomUUID()}`;
    try {
      const done = await committedOffsets(admin, redriveGroupOf(this.groupId), this.topic);
      const letters = await this.read(group, limit, false);
      return letters.map((l) => ({ ...l, redriven: BigInt(l.offset) < (done.get(l.partition) ?? 0n) }));
    } finally {
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.disconnect();
    }
  }

  /**
   * Re-sends up to `limit` letters not redriven yet; with `dryRun` only returns them. A letter's offset is
   * committed right after its re-send was acknowledged, so an interrupted redrive resumes without repeats.
   */
  async redrive(options: { limit?: number; dryRun?: boolean } = {}): Promise<DeadLetter[]> {
    const producer = this.kafka.producer({ idempotent: true });
    if (!options.dryRun) await producer.connect();
    try {
      return await this.read(
        redriveGroupOf(this.groupId),
        options.limit ?? Number.POSITIVE_INFINITY,
        !options.dryRun,
        async (l) => {
          const headers: Record<string, string> = {
            [REDRIVEN_FROM_HEADER]: `${this.topic}:${l.partition}:${l.offset}`,
          };
          if (l.listener) headers[REDRIVE_LISTENER_HEADER] = l.listener;
          await producer.send({
            topic: l.source.topic,
            acks: -1,
            messages: [{ key: l.key, value: l.value, partition: l.source.partition, headers }],
          });
        },
      );
    } finally {
      if (!options.dryRun) await producer.disconnect();
    }
  }

  /**
   * Consumes from the group's position up to the partition ends as they were when it started, calling
   * `each` per letter (and committing after it, when `commit`).
   */
  private async read(
    groupId: string,
    limit: number,
    commit: boolean,
    each?: (letter: DeadLetter) => Promise<void>,
  ): Promise<DeadLetter[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    let starts: Map<number, bigint>;
    try {
      const offsets = await fetchTopicOffsets(admin, this.topic);
      ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
      const lows = new Map(offsets.map((p) => [p.partition, BigInt(p.low)]));
      const committed = await committedOffsets(admin, groupId, this.topic);
      starts = new Map([...ends.keys()].map((p) => [p, maxBig(committed.get(p) ?? 0n, lows.get(p) ?? 0n)]));
    } finally {
      await admin.disconnect();
    }
    const pending = new Set([...ends].filter(([p, end]) => starts.get(p)! < end).map(([p]) => p));
    const letters: DeadLetter[] = [];
    if (pending.size === 0 || limit <= 0) return letters;

    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
    await consumer.connect();
    let crashed: ((error: Error) => void) | undefined;
    consumer.on(consumer.events.CRASH, ({ payload }) => crashed?.(payload.error));
    try {
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`reading ${this.topic} took over 120 s`)), 120_000);
        crashed = (error) => {
          clearTimeout(timeout);
          reject(error);
        };
        const finish = () => {
          clearTimeout(timeout);
          resolve();
        };
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const offset = BigInt(message.offset);
              if (!pending.has(partition) || offset >= ends.get(partition)! || letters.length >= limit)
                return;
              const letter = toDeadLetter({ topic: this.topic, partition, ...message });
              await each?.(letter);
              letters.push(letter);
              if (commit) {
                await consumer.commitOffsets([
                  { topic: this.topic, partition, offset: (offset + 1n).toString() },
                ]);
              }
              if (offset + 1n >= ends.get(partition)!) pending.delete(partition);
              if (pending.size === 0 || letters.length >= limit) finish();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    return letters;
  }
}

async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(
    (t?.partitions ?? [])
      .filter((p) => p.offset !== '-1')
      .map((p) => [p.partition, BigInt(p.offset)] as const),
  );
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
