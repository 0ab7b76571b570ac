// Builds the metrics-only update body of N Image documents (10 metrics x 5 timeframes, as the images
// index) both ways, alternating in one process so both see the same load: objects from metricFields
// stringified by JSON.stringify (the flusher before 2026-11-30), and MetricDocuments' JSON. Both are
// encoded to bytes, as the client does, and must give byte for byte the same body.
//   npx tsx --conditions=source packages/search-sync/bench/documents.ts [10000] [runs 7]
import type { MetricTotals } from '@engagement/event-bus/sinks/clickhouse';
import { median } from '../../event-bus/bench/stats.js';
import { IMAGE_METRIC_TYPES } from '../src/default-indexes.js';
import { MetricDocuments } from '../src/metrics/metric-documents.js';
import { metricFields } from '../src/metrics/metric-fields.js';
import { loadAverage } from './growth-report.js';

const n = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 7);
const timeframes = ['day', 'week', 'month', 'year', 'all'] as const;
const totals = new Map<number, MetricTotals>();
for (let id = 1; id <= n; id++) {
  const t: Record<string, Record<string, number>> = {};
  for (const m of IMAGE_METRIC_TYPES)
    t[m] = Object.fromEntries(timeframes.map((tf, k) => [tf, (id + k) % 13]));
  totals.set(id, { entityId: id, totals: t } as MetricTotals);
}
const ids = [...totals.keys()];

function objects(): Uint8Array {
  const docs = ids
    .map((id) => {
      const t = totals.get(id)!;
      const own = { ...t, totals: Object.fromEntries(IMAGE_METRIC_TYPES.map((m) => [m, t.totals[m]!])) };
      return { id, ...metricFields(own, { timeframes }) };
    })
    .filter((doc) => Object.keys(doc).length > 1);
  return new TextEncoder().encode(JSON.stringify(docs));
}
const documents = new MetricDocuments({ timeframes, metricTypes: IMAGE_METRIC_TYPES, primaryKey: 'id' });
const json = () => new TextEncoder().encode(documents.json(ids, (id) => totals.get(id)).json);

console.log(`load before ${loadAverage()}`);
const ms: Record<'objects' | 'json', number[]> = { objects: [], json: [] };
for (let r = 0; r < runs; r++) {
  const bodies: Uint8Array[] = [];
  for (const [name, build] of [
    ['objects', objects],
    ['json', json],
  ] as const) {
    const t0 = performance.now();
    bodies.push(build());
    ms[name].push(performance.now() - t0);
  }
  if (Buffer.compare(bodies[0]!, bodies[1]!) !== 0)
    throw new Error(`bodies differ: ${bodies.map((b) => b.length).join(' vs ')} bytes`);
}
for (const [name, xs] of Object.entries(ms))
  console.log(
    `${name.padEnd(8)} ms ${xs.map((x) => x.toFixed(0)).join(' ')}  median ${median(xs).toFixed(0)}`,
  );
console.log(
  `${n} documents; json / objects (medians) ${(median(ms.json) / median(ms.objects)).toFixed(2)}; load after ${loadAverage()}`,
);
