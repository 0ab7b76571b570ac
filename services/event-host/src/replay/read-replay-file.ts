import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { KafkaRecord } from '@engagement/event-bus';
import { HostError } from '../errors.js';

/**
 * Reads Kafka records from a JSONL file, one `{topic, partition?, offset?, key, value, headers?}` per line.
 * `key` and `value` are strings (the message bytes as UTF-8), JSON values (serialized back to text, as
 * Debezium's JsonConverter writes them) or null (a tombstone). A missing offset continues from the
 * previous record of the same partition; a missing partition is 0. Blank lines are skipped.
 */
export async function* readReplayFile(path: string): AsyncGenerator<KafkaRecord> {
  const next = new Map<string, bigint>();
  let line = 0;
  let input: AsyncIterable<string>;
  try {
    const stream = createReadStream(path, 'utf8');
    await new Promise<void>((resolve, reject) =>
      stream.once('readable', () => resolve()).once('error', reject),
    );
    input = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  } catch (error) {
    throw new HostError('EH_REPLAY_INPUT_INVALID', `cannot read ${path}: ${(error as Error).message}`);
  }
  for await (const text of input) {
    line++;
    if (text.trim() === '') continue;
    const bad = (why: string) => new HostError('EH_REPLAY_INPUT_INVALID', `${path}:${line}: ${why}`);
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(text);
    } catch {
      throw bad('not a JSON object');
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('not a JSON object');
    if (typeof o.topic !== 'string' || !o.topic) throw bad('"topic" must be a non-empty string');
    const partition = o.partition ?? 0;
    if (!Number.isInteger(partition) || (partition as number) < 0)
      throw bad('"partition" must be an integer ≥ 0');
    const slot = `${o.topic}:${partition}`;
    let offset: bigint;
    if (o.offset === undefined) offset = next.get(slot) ?? 0n;
    else if (typeof o.offset === 'number' || (typeof o.offset === 'string' && /^\d+$/.test(o.offset)))
      offset = BigInt(o.offset);
    else throw bad('"offset" must be a non-negative integer or digit string');
    next.set(slot, offset + 1n);
    const headers = o.headers ?? undefined;
    if (headers !== undefined && (typeof headers !== 'object' || headers === null || Array.isArray(headers)))
      throw bad('"headers" must be an object of strings');
    yield {
      topic: o.topic,
      partition: partition as number,
      offset: offset.toString(),
      key: bytes(o.key),
      value: bytes(o.value),
      headers: headers as Record<string, string> | undefined,
    };
  }
}

function bytes(v: unknown): Buffer | null {
  if (v === undefined || v === null) return null;
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
}
