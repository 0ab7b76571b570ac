import { describe, expect, it } from 'vitest';
import { metricEventJson, toMetricEventRow } from '../../metrics/metric-event-row.js';
import { EncodedRow, stringifyRow } from './encoded-row.js';

const event = {
  eventId: 'e1',
  entityType: 'Image',
  entityId: 7,
  userId: 3,
  metricType: 'reactionLike',
  metricValue: -1,
  createdAt: new Date('2025-06-15T12:00:00.123Z'),
  origin: 'pg:ImageReaction:0',
  originSeq: 160,
  sourceTx: 9_007_199_254_740_991,
};

describe('EncodedRow', () => {
  it('is the text the client would have sent for the row, whether sent as it is or through JSON.stringify', () => {
    const row = new EncodedRow(metricEventJson(event));
    expect(row.json).toBe(JSON.stringify(toMetricEventRow(event)));
    expect(stringifyRow(row)).toBe(row.json);
    // A client without the hook serialises it through toJSON, to the same text.
    expect(JSON.stringify(row)).toBe(row.json);
  });

  it('leaves every other value to JSON.stringify', () => {
    const row = toMetricEventRow(event);
    expect(stringifyRow(row)).toBe(JSON.stringify(row));
    expect(stringifyRow(['a', 1])).toBe('["a",1]');
  });
});
