// The local stack's broker is ready for groups and idempotent producers once `up` returns: a host started
// right after (as `npm start` starts one right after `stack up`) joins without crashing its consumer.
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { RUN, stackBroker, waitFor } from './host-fixtures.js';

const LOADING = "The coordinator is loading and hence can't process requests for this group";

describe("the stack's broker after a restart", () => {
  it('lets a new group join and an idempotent producer start at once, without a coordinator still loading', async () => {
    const broker = stackBroker();
    await broker.stop();
    await broker.start();

    // Every error kafkajs meets, whether it retries it or not.
    const errors: string[] = [];
    const kafka = new Kafka({
      clientId: `broker-restart-${RUN}`,
      brokers: inject('stackEnv').KAFKA_BROKERS!.split(','),
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => {
        const { error, message } = entry.log as { error?: string; message: string };
        errors.push(error ?? message);
      },
    });
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: `broker-restart-${RUN}` });
    const crashes: string[] = [];
    consumer.on(consumer.events.CRASH, ({ payload }) => crashes.push(payload.error.message));
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    try {
      await producer.connect();
      const topic = `broker-restart-${RUN}`;
      await producer.send({ topic, messages: [{ value: 'x' }] });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async () => {} });
      await waitFor(
        async () => joined,
        (j) => j,
        30_000,
        'the group joined',
      );
    } finally {
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
    }
    expect(crashes).toEqual([]);
    expect(errors.filter((e) => e.includes(LOADING))).toEqual([]);
  });
});
