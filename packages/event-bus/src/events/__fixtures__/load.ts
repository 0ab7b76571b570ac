import { readFileSync } from 'node:fs';
import type { KafkaRecord } from '../kafka-record.js';

/** On disk: the Kafka coordinates plus key and value, each as JSON, or as a string holding exact bytes. */
interface FixtureFile {
  topic: string;
  partition: number;
  offset: string;
  key: unknown;
  value: unknown;
  headers?: Record<string, string>;
}

/**
 * Loads `__fixtures__/<name>.json` as the record a consumer would see. Tests name fixtures only through
 * this, so replacing a file with a capture changes nothing else.
 */
export function loadFixture(name: string): KafkaRecord {
  const text = readFileSync(new URL(`./${name}.json`, import.meta.url), 'utf8');
  const file = JSON.parse(text) as FixtureFile;
  return {
    topic: file.topic,
    partition: file.partition,
    offset: String(file.offset),
    key: toBytes(file.key),
    value: toBytes(file.value),
    headers: file.headers ?? {},
  };
}

// A string is the message's exact text (needed for integers beyond 2^53); anything else is re-serialized.
function toBytes(part: unknown): Buffer | null {
  if (part === null || part === undefined) return null;
  return Buffer.from(typeof part === 'string' ? part : JSON.stringify(part), 'utf8');
}
