import type { MetricTotals } from '@engagement/event-bus/sinks/clickhouse';
import { describe, expect, it } from 'vitest';
import { MetricDocuments } from './metric-documents.js';
import { metricFields } from './metric-fields.js';

const timeframes = ['day', 'week', 'all'] as const;
const totals = (entityId: number, t: Record<string, Record<string, number>>) =>
  ({ entityId, totals: t }) as unknown as MetricTotals;

/** What the flusher sent before MetricDocuments: one object per id, filtered by the index's metric types. */
function reference(
  ids: number[],
  byId: Map<number, MetricTotals>,
  metricTypes: readonly string[] | undefined,
  options: Parameters<typeof metricFields>[1],
) {
  return ids
    .map((id) => {
      const t = byId.get(id);
      if (!t) return { id };
      const own = metricTypes
        ? { ...t, totals: Object.fromEntries(metricTypes.map((m) => [m, t.totals[m]!]).filter(([, v]) => v)) }
        : t;
      return { id, ...metricFields(own, options) };
    })
    .filter((doc) => Object.keys(doc).length > 1);
}

describe('MetricDocuments', () => {
  const byId = new Map<number, MetricTotals>([
    [
      1,
      totals(1, {
        likeCount: { day: 1, week: 3, all: 9 },
        ratingSum: { week: 9, all: 20 },
        ratingCount: { day: 0, week: 2, all: 5 },
      }),
    ],
    [2, totals(2, { likeCount: { day: 0, week: 0, all: 0 } })],
    [3, totals(3, { commentCount: { day: 2, week: 2, all: 7 }, ratingSum: { day: 1, week: 1, all: 1 } })],
    [4, totals(4, {})],
    [5, totals(5, { likeCount: { day: Number.NaN, week: 1.5, all: -0 } })],
  ]);
  const ids = [1, 2, 3, 4, 5, 6];

  it('writes, as one JSON array, exactly the documents metricFields gave, for every id with fields', () => {
    for (const metricTypes of [undefined, ['likeCount', 'ratingSum', 'ratingCount'], ['commentCount']]) {
      const docs = new MetricDocuments({ timeframes, metricTypes, primaryKey: 'id' });
      const { json, count } = docs.json(ids, (id) => byId.get(id));
      const expected = reference(ids, byId, metricTypes, { timeframes });
      expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(expected)));
      expect(count).toBe(expected.length);
      for (const id of ids) {
        const fields = docs.fields(byId.get(id));
        const want = byId.get(id) ? reference([id], byId, metricTypes, { timeframes })[0] : undefined;
        expect({ id, ...fields }).toEqual(want ?? { id });
      }
    }
  });

  it('keeps custom field names, ratios and primary keys, and writes a ratio named like a metric once', () => {
    const options = {
      timeframes: ['all'] as const,
      fieldName: (m: string, tf: string) => `metrics.${m}_${tf}`,
      ratios: { likeCount: ['ratingSum', 'ratingCount'] as const },
    };
    const docs = new MetricDocuments({ ...options, primaryKey: 'imageId' });
    const { json } = docs.json([1], (id) => byId.get(id));
    expect(json).toBe(
      '[{"imageId":1,"metrics.likeCount_all":4,"metrics.ratingSum_all":20,"metrics.ratingCount_all":5}]',
    );
    expect({ imageId: 1, ...metricFields(byId.get(1)!, options) }).toEqual(JSON.parse(json)[0]);
  });

  it('writes byte for byte what JSON.stringify writes, for any number and any field name', () => {
    // Seeded: integers of every length and sign, past 2^53, fractions, -0, NaN, Infinity; names with
    // quotes, backslashes and characters beyond ASCII.
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const special = [0, -0, 1, -1, 9, 10, 99, 100, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 53, 2 ** 60, 1e21, 0.5];
    const value = () => {
      const r = random();
      if (r < 0.3) return special[Math.floor(random() * special.length)]!;
      if (r < 0.35)
        return [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][Math.floor(random() * 3)]!;
      if (r < 0.5) return (random() - 0.5) * 10 ** Math.floor(random() * 20);
      return Math.round((random() - 0.5) * 10 ** Math.floor(random() * 17));
    };
    const metrics = ['likeCount', 'ratingSum', 'ratingCount', 'naïve "q" \\ 🙂'];
    const byId = new Map<number, MetricTotals>();
    const ids = Array.from({ length: 400 }, (_, i) => (i % 2 ? i * 7919 : -i));
    for (const id of ids) {
      const t: Record<string, Record<string, number>> = {};
      for (const m of metrics) if (random() < 0.8) t[m] = { day: value(), week: value(), all: value() };
      byId.set(id, totals(id, t));
    }
    const docs = new MetricDocuments({ timeframes, primaryKey: 'id' });
    const { json } = docs.json(ids, (id) => byId.get(id));
    expect(json).toBe(JSON.stringify(reference(ids, byId, undefined, { timeframes })));
    // Beyond ASCII in the primary key only (the fields' names plain): the body is still read as UTF-8.
    const ascii = metrics.slice(0, 3);
    const keyed = new MetricDocuments({ timeframes, metricTypes: ascii, primaryKey: 'clé' });
    const want = reference(ids, byId, ascii, { timeframes }).map(({ id, ...fields }) => ({
      clé: id,
      ...fields,
    }));
    expect(keyed.json(ids, (id) => byId.get(id)).json).toBe(JSON.stringify(want));
  });

  it('writes an empty array when no id has fields', () => {
    const docs = new MetricDocuments({ timeframes, metricTypes: ['tippedCount'], primaryKey: 'id' });
    expect(docs.json(ids, (id) => byId.get(id))).toEqual({ json: '[]', count: 0 });
  });
});
