import { readdirSync } from 'node:fs';
import type { ChangeEvent } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { loadFixture } from './__fixtures__/load.js';
import { decodeDebezium } from './debezium.js';
import { quoteUnsafeIntegers } from './json-text.js';
import type { KafkaRecord } from './kafka-record.js';

const route = { kind: 'debezium', schema: 'public', table: 'TypeProbe' } as const;
const source = { ts_ms: 1717243496123, schema: 'public', table: 'TypeProbe', txId: 752, lsn: 26851352 };

function record(value: string | null, key: string | null = '{"id":1}', offset = '7'): KafkaRecord {
  const bytes = (text: string | null) => (text === null ? null : Buffer.from(text));
  return { topic: 'app.public.TypeProbe', partition: 0, offset, key: bytes(key), value: bytes(value) };
}

function event(value: string, key?: string | null, offset?: string): ChangeEvent {
  const result = decodeDebezium(record(value, key, offset), route);
  if (result.kind !== 'event') throw new Error(`expected an event, got skip "${result.reason}"`);
  return result.event;
}

const change = (payload: Record<string, unknown>) =>
  JSON.stringify({ before: null, after: { id: 1 }, source, op: 'c', ts_ms: 1717243499999, ...payload });

describe('decodeDebezium', () => {
  it('takes occurredAt from source.ts_ms, not the envelope ts_ms (connector processing time)', () => {
    expect(event(change({})).occurredAt).toEqual(new Date('2024-06-01T12:04:56.123Z'));
  });

  it('keeps a bigint column beyond 2^53 exact', () => {
    const value = change({}).replace('"after":{"id":1}', '"after":{"id":9223372036854775807}');
    expect(event(value).after).toEqual({ id: '9223372036854775807' });
  });

  it('keeps the rows, lsn and txId beyond 2^53 exact beside a ts_ns, which it does not read', () => {
    const big = '9223372036854775807';
    const stamped = { ts_us: 1717243496123456, ts_ns: 1717243496123456800 };
    const value = (after: string, lsn: string) =>
      change({ source: { ...source, ...stamped, lsn: 0 }, ...stamped })
        .replace('"after":{"id":1}', `"after":${after}`)
        .replace('"lsn":0', `"lsn":${lsn}`);
    const decoded = event(value(`{"id":${big},"n":[1,{"m":-${big}}]}`, '26851352'));
    expect(decoded.after).toEqual({ id: big, n: [1, { m: `-${big}` }] });
    // The lsn is part of the id: beyond 2^53 it is the exact text, as the whole-text scan gives it.
    const quoted = (text: string) => event(quoteUnsafeIntegers(text)).id;
    const lsnText = value('{"id":1}', '18446744073709551615');
    expect(event(lsnText).id).toBe(quoted(lsnText));
    expect(event(lsnText).id).not.toBe(event(value('{"id":1}', '18446744073709551614')).id);
  });

  it('decodes every captured fixture as the scan of its whole text would', () => {
    const dir = new URL('./__fixtures__/debezium/', import.meta.url);
    const names = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const r = loadFixture(`debezium/${name.slice(0, -'.json'.length)}`);
      const scanned = {
        ...r,
        value: r.value && Buffer.from(quoteUnsafeIntegers(r.value.toString('utf8'))),
        key: r.key && Buffer.from(quoteUnsafeIntegers(r.key.toString('utf8'))),
      };
      const fixtureRoute = { kind: 'debezium', schema: 'public', table: 'Any' } as const;
      const attempt = (rec: KafkaRecord) => {
        try {
          return decodeDebezium(rec, fixtureRoute);
        } catch (error) {
          return (error as Error).message;
        }
      };
      expect(attempt(r), name).toEqual(attempt(scanned));
    }
  });

  it('gives a redelivery at another offset the same id', () => {
    expect(event(change({}), undefined, '8').id).toBe(event(change({}), undefined, '7').id);
  });

  it('tells apart the delete and create of a primary-key update, which share one lsn', () => {
    const deleted = event(change({ op: 'd', before: { id: 1 }, after: null }), '{"id":1}');
    const created = event(change({ after: { id: 2 } }), '{"id":2}');
    expect(deleted.op).toBe('delete');
    expect(created.id).not.toBe(deleted.id);
  });

  it('identifies keyless rows by their content', () => {
    const a = event(change({ after: { id: 1, v: 'a' } }), null);
    const b = event(change({ after: { id: 1, v: 'b' } }), null);
    expect(a.id).not.toBe(b.id);
  });

  it('falls back to the Kafka position when the source has no lsn', () => {
    const noLsn = change({ source: { ...source, lsn: null } });
    expect(event(noLsn, undefined, '7').id).not.toBe(event(noLsn, undefined, '8').id);
  });

  it('skips tombstones, truncates, logical messages and schema changes', () => {
    expect(decodeDebezium(record(null), route)).toEqual({ kind: 'skip', reason: 'tombstone' });
    expect(decodeDebezium(record(change({ op: 't', after: null })), route)).toEqual({
      kind: 'skip',
      reason: 'truncate',
    });
    expect(decodeDebezium(record(change({ op: 'm', after: null })), route)).toEqual({
      kind: 'skip',
      reason: 'logical-message',
    });
    const ddl = JSON.stringify({ source, databaseName: 'app', ddl: 'ALTER TABLE x', tableChanges: [] });
    expect(decodeDebezium(record(ddl), route)).toEqual({ kind: 'skip', reason: 'schema-change' });
  });

  it('rejects bad JSON in the value or the key', () => {
    expect(() => decodeDebezium(record('{"before":'), route)).toThrow(
      'EB_DECODE_INVALID_JSON: message value at app.public.TypeProbe/0@7 is not JSON',
    );
    expect(() => decodeDebezium(record(change({}), '{id:1}'), route)).toThrow(
      'EB_DECODE_INVALID_JSON: message key at app.public.TypeProbe/0@7 is not JSON',
    );
  });

  it('rejects JSON without a Debezium envelope', () => {
    for (const value of ['{"id":1}', '[1,2]', '"text"', 'null', JSON.stringify({ op: 'c', after: {} })]) {
      expect(() => decodeDebezium(record(value), route)).toThrow(/^EB_DECODE_UNKNOWN_SHAPE: not a Debezium/);
    }
    expect(() => decodeDebezium(record(change({ after: null })), route)).toThrow(
      'EB_DECODE_UNKNOWN_SHAPE: op "c" without "after"',
    );
    expect(() => decodeDebezium(record(change({ source: { lsn: 1 } })), route)).toThrow(
      'EB_DECODE_UNKNOWN_SHAPE: source.ts_ms missing',
    );
  });

  it('rejects an unknown op', () => {
    expect(() => decodeDebezium(record(change({ op: 'x' })), route)).toThrow(
      expect.objectContaining({ code: 'EB_DECODE_UNKNOWN_OP', retriable: false }),
    );
  });
});
