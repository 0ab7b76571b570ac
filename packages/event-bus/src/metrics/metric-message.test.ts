import type { EntityMetricEvent } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../scripts/sample-traffic/random.js';
import { toClickHouseTime } from './metric-event-row.js';
import { decodeMetricMessages, encodeMetricMessages } from './metric-message.js';

const event = (origin: string, originSeq: number): EntityMetricEvent => ({
  eventId: `id-${origin}-${originSeq}`,
  entityType: 'Image',
  entityId: 7,
  userId: 3,
  metricType: 'likeCount',
  metricValue: originSeq % 2 === 0 ? 1 : -1,
  createdAt: new Date('2026-05-01T10:20:30.456Z'),
  origin,
  originSeq,
});

describe('metric messages', () => {
  it('round-trips events, one message per origin, keyed by it, in order', () => {
    const events = [event('t:0', 1), event('t:1', 5), event('t:0', 2), event('t:1', 6), event('t:0', 3)];
    const messages = encodeMetricMessages(events);
    expect(messages.map((m) => m.key)).toEqual(['t:0', 't:1']);
    const back = messages.flatMap((m) => decodeMetricMessages(m.value).events);
    expect(back).toEqual([events[0], events[2], events[4], events[1], events[3]]);
  });

  it('splits an origin at the row and byte limits without reordering it', () => {
    const events = Array.from({ length: 25 }, (_, i) => event('t:0', i));
    const byRows = encodeMetricMessages(events, { maxRows: 10 });
    expect(byRows.map((m) => m.value.split('\n').length)).toEqual([10, 10, 5]);
    const oneRow = encodeMetricMessages([events[0]!])[0]!.value.length;
    const byBytes = encodeMetricMessages(events, { maxBytes: oneRow * 3 + 3 });
    expect(byBytes.every((m) => m.value.length <= oneRow * 3 + 3)).toBe(true);
    expect(byBytes.flatMap((m) => decodeMetricMessages(m.value).events.map((e) => e.originSeq))).toEqual(
      events.map((e) => e.originSeq),
    );
  });

  it('keeps the valid rows of a message and reports each invalid one with its index', () => {
    const good = encodeMetricMessages([event('t:0', 1), event('t:0', 2)])[0]!.value.split('\n');
    const text = [good[0], '{"eventId": 5', good[1], '{"eventId":"x","entityType":"Image"}'].join('\n');
    const decoded = decodeMetricMessages(Buffer.from(text));
    expect(decoded.events.map((e) => e.originSeq)).toEqual([1, 2]);
    expect(decoded.invalid.map((i) => [i.row, i.error.code])).toEqual([
      [1, 'EB_DECODE_INVALID_JSON'],
      [3, 'EB_DECODE_BAD_VALUE'],
    ]);
  });

  it('carries the source transaction, and reads a row without one (or with null) as none', () => {
    const [message] = encodeMetricMessages([{ ...event('t:0', 1), sourceTx: 4_000_000_123 }]);
    expect(JSON.parse(message!.value).sourceTx).toBe(4_000_000_123);
    expect(decodeMetricMessages(message!.value).events[0]!.sourceTx).toBe(4_000_000_123);
    const none = encodeMetricMessages([event('t:0', 2)])[0]!.value;
    expect(JSON.parse(none).sourceTx).toBeNull();
    expect('sourceTx' in decodeMetricMessages(none).events[0]!).toBe(false);
    const old = none.replace(',"sourceTx":null', '');
    expect(decodeMetricMessages(old).events[0]).toEqual(event('t:0', 2));
  });

  it('accepts 64-bit integers quoted as ClickHouse writes them, and a null value is invalid', () => {
    const row = encodeMetricMessages([event('t:0', 2)])[0]!.value.replace('"originSeq":2', '"originSeq":"2"');
    expect(decodeMetricMessages(row).events[0]!.originSeq).toBe(2);
    expect(decodeMetricMessages(null).invalid[0]!.error.code).toBe('EB_DECODE_UNKNOWN_SHAPE');
  });

  const general = (text: string) => new Date(`${text.replace(' ', 'T')}Z`).getTime();
  const decodedAt = (text: string) => {
    const row = encodeMetricMessages([event('t:0', 1)])[0]!.value.replace('2026-05-01 10:20:30.456', text);
    const { events, invalid } = decodeMetricMessages(row);
    return invalid.length > 0 ? invalid[0]!.error.code : events[0]!.createdAt.getTime();
  };

  it('writes and reads times within one second and across seconds, in and out of order, exactly', () => {
    // Both ends keep the last second they saw: runs in one second, steps back, and times before 1970.
    const random = seededRandom(11);
    const times = [0, 1, 999, 1_000, 999, -1, -999, -1_000, -1_001, 1_714_558_830_456, 1_714_558_830_001];
    let at = Date.UTC(2026, 4, 1, 10, 20, 30);
    for (let i = 0; i < 3_000; i++) {
      at += random() < 0.1 ? -Math.floor(random() * 5_000) : Math.floor(random() * 300);
      times.push(at);
    }
    for (const ms of times) {
      const text = toClickHouseTime(new Date(ms));
      expect(text).toBe(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''));
      expect(decodedAt(text)).toBe(ms);
    }
  });

  it('reads createdAt as the general ISO parse does, for every shape ClickHouse and our encoder write', () => {
    // Every day of a leap and a common year, at times spread over the day, as the encoder writes them.
    for (const start of [Date.UTC(2024, 0, 1), Date.UTC(2026, 0, 1), Date.UTC(1970, 0, 1)]) {
      for (let day = 0; day < 366; day++) {
        const at = new Date(start + day * 86_400_000 + ((day * 7_919_123) % 86_400_000));
        const text = toClickHouseTime(at);
        expect(decodedAt(text)).toBe(at.getTime());
        expect(decodedAt(text)).toBe(general(text));
      }
    }
    // Other shapes go to the general parse: no milliseconds, years below 1000, out-of-range fields.
    for (const text of ['2026-05-01 10:20:30', '0050-01-02 03:04:05.006', '2026-02-29 00:00:00.000']) {
      expect(decodedAt(text)).toBe(general(text));
    }
    for (const text of [
      '2026-13-01 00:00:00.000',
      '2026-01-01 24:00:00.001',
      'not a time',
      '2026-1-01 00:00:00.0000',
    ]) {
      expect(decodedAt(text)).toBe('EB_DECODE_BAD_VALUE');
    }
  });
});
