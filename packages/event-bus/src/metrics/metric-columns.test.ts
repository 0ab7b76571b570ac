import type { EntityMetricEvent } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../scripts/sample-traffic/random.js';
import { fromMetricColumns, toMetricColumns } from './metric-columns.js';
import { toClickHouseTime } from './metric-event-row.js';
import { decodeMetricMessages, encodeMetricMessages } from './metric-message.js';

/** Messages as the apply stage reads them: several origins, odd values, a row ClickHouse exported, bad rows. */
function messageValues(seed: number): (string | null)[] {
  const next = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const events: EntityMetricEvent[] = Array.from({ length: 300 }, (_, i) => ({
    eventId: `ev-${i}-ü`,
    entityType: pick(['Image', 'Post', 'Modèle']),
    entityId: int(1, 2 ** 40),
    userId: int(0, 1000),
    metricType: pick(['likeCount', 'commentCount', 'downloadCount']),
    metricValue: pick([1, -1, 7, -(2 ** 31)]),
    createdAt: new Date(Date.UTC(2026, int(0, 11), int(1, 31), 0, 0, 0, int(0, 86_399_999))),
    origin: `app.public.X:${int(0, 3)}`,
    originSeq: i * 1000 + int(0, 999),
    ...(int(0, 2) === 0 ? {} : { sourceTx: pick([null, int(0, 2 ** 32 - 1)]) }),
  }));
  const values: (string | null)[] = encodeMetricMessages(events, { maxRows: 40 }).map((m) => m.value);
  const exported = JSON.stringify({
    eventId: 'ch-1',
    entityType: 'Image',
    entityId: '9007199254740991',
    userId: '0',
    metricType: 'likeCount',
    metricValue: '1',
    createdAt: toClickHouseTime(new Date('2026-02-29T23:59:59.999Z')),
    origin: 'clickhouse',
    originSeq: '12',
  });
  values.push(`${exported}\nnot json\n{"eventId":"x"}\n\n${exported}`, null, '', 'garbage only');
  return values;
}

describe('metric columns', () => {
  // An invalid row's error keeps its code and message, not its cause: the apply stage dead-letters with those.
  it('give back what decodeMetricMessages gave: the same events, key order, absent sourceTx, invalid rows', () => {
    for (const seed of [1, 2, 3]) {
      const decoded = messageValues(seed).map((v) => decodeMetricMessages(v));
      const back = fromMetricColumns(structuredClone(toMetricColumns(decoded)));
      const events = (list: typeof decoded) => list.flatMap((m) => m.events);
      expect(events(back)).toEqual(events(decoded));
      expect(back.map((m) => m.events.length)).toEqual(decoded.map((m) => m.events.length));
      expect(events(back).map((e) => Object.keys(e))).toEqual(events(decoded).map((e) => Object.keys(e)));
      const invalid = (list: typeof decoded) =>
        list.map((m) => m.invalid.map((r) => [r.row, r.error.code, r.error.message, r.error.name]));
      expect(invalid(back)).toEqual(invalid(decoded));
      expect(invalid(back).flat().length).toBeGreaterThanOrEqual(4);
      expect(events(back).some((e) => !('sourceTx' in e))).toBe(true);
      expect(events(back).some((e) => e.sourceTx === null)).toBe(false);
    }
  });
});
