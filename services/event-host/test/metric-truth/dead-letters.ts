// Reads a run's dead-letter topic and keeps the letters about rows the run wrote: the pipeline also
// consumes other runs' changes on the shared Debezium topics, whose failures are not this test's.
import type { Kafka } from 'kafkajs';

export interface DeadLetter {
  sourceTopic: string;
  listener: string;
  message: string;
  row: Record<string, unknown> | null;
}

/** Every letter on `topic` (reads until `quietMs` pass without a new one). */
export async function readDeadLetters(kafka: Kafka, topic: string, quietMs = 3_000): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let last = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      last = Date.now();
      const header = (name: string) => String(message.headers?.[name] ?? '');
      let row: Record<string, unknown> | null = null;
      try {
        const value = JSON.parse(String(message.value));
        row = value?.after ?? value?.before ?? value ?? null;
      } catch {
        row = null;
      }
      letters.push({
        sourceTopic: header('eb.source.topic'),
        listener: header('eb.listener'),
        message: header('eb.error.message'),
        row,
      });
    },
  });
  while (Date.now() - last < quietMs) await new Promise((r) => setTimeout(r, 250));
  await consumer.disconnect();
  return letters;
}

/** Whether a row references anything in `ids` (column → ids of that kind the run created). */
export function referencesAny(
  row: Record<string, unknown> | null,
  ids: Record<string, Set<number>>,
): boolean {
  if (!row) return false;
  return Object.entries(ids).some(([column, set]) => set.has(Number(row[column])));
}
