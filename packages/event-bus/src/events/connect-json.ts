import { DecodeError } from '../errors.js';
import { parseJson } from './json-text.js';
import type { KafkaRecord } from './kafka-record.js';
import type { ConnectSchema } from './postgres-types.js';

/**
 * Parses a message's key or value bytes as JSON (int64-safe: `parseJson`, with the caller's `readsExactly`
 * when it reads only part of the message), or throws `EB_DECODE_INVALID_JSON`.
 */
export function parseMessagePart(
  record: KafkaRecord,
  part: 'key' | 'value',
  readsExactly?: (parsed: unknown) => boolean,
): unknown {
  const bytes = record[part];
  if (bytes === null) return null;
  try {
    return parseJson(bytes.toString('utf8'), readsExactly);
  } catch (cause) {
    throw new DecodeError(
      'EB_DECODE_INVALID_JSON',
      `message ${part} at ${positionText(record)} is not JSON`,
      cause,
    );
  }
}

/**
 * Kafka Connect's JsonConverter with `schemas.enable=true` wraps every key and value as exactly
 * `{ schema, payload }`; with `schemas.enable=false` the payload is the message itself.
 */
export function unwrapConnect(json: unknown): { payload: unknown; schema: ConnectSchema | undefined } {
  if (isJsonObject(json) && 'payload' in json && 'schema' in json && Object.keys(json).length === 2) {
    return { payload: json.payload, schema: (json.schema ?? undefined) as ConnectSchema | undefined };
  }
  return { payload: json, schema: undefined };
}

/** A plain JSON object (not null, not an array). */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `topic/partition@offset`, for error messages. */
export const positionText = (record: KafkaRecord) => `${record.topic}/${record.partition}@${record.offset}`;
