// readMetricTotals' result handling for a 10k-id search flush, the way before 2026-11-30 evening and now,
// alternated in one process (so both see the same load): 10,000 ids, 5 of 10 requested metrics with a row,
// 5 timeframes. Before: JSONEachRow objects with 64-bit integers quoted, every requested metric of every id
// zero-filled first and then replaced. Now: one JSONCompact document (arrays, unquoted integers) parsed at
// once, zeros only where no row came. Only the JavaScript side: the query text is made here, not by
// ClickHouse, and "before" parses line by line, which is cheaper than the client's row stream it used.
//   npx tsx packages/event-bus/bench/totals-rows.ts [rounds 9]
import { median } from './stats.js';

const rounds = Number(process.argv[2] ?? 9);
const timeframes = ['day', 'week', 'month', 'year', 'all'];
const withRows = ['likeCount', 'commentCount', 'collectedCount', 'tippedAmountCount', 'reactionCount'];
const requested = [...withRows, 'm6', 'm7', 'm8', 'm9', 'm10'];
const ids = Array.from({ length: 10_000 }, (_, i) => 1_000_000 + i * 100);
type Totals = { entityId: number; totals: Record<string, Record<string, number>> };

let objectLines = '';
const compactRows: unknown[][] = [];
for (const id of ids)
  for (const metric of withRows) {
    const values = timeframes.map((_, k) => (id * 7 + k) % 1000);
    const named = Object.fromEntries(timeframes.map((tf, k) => [`t_${tf}`, String(values[k])]));
    objectLines += `${JSON.stringify({ entityId: String(id), metricType: metric, ...named })}\n`;
    compactRows.push([id, metric, ...values]);
  }
/** What the client's `json()` does with a *EachRow body: one JSON.parse per line. */
const parseLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

function before(): Map<number, Totals> {
  const rows = parseLines(objectLines);
  const byId = new Map<number, Totals>();
  for (const id of ids) {
    const totals: Totals['totals'] = {};
    for (const m of requested) {
      totals[m] = {};
      for (const tf of timeframes) totals[m][tf] = 0;
    }
    byId.set(id, { entityId: id, totals });
  }
  for (const row of rows) {
    const entity = byId.get(Number(row.entityId));
    if (!entity) continue;
    const t: Record<string, number> = {};
    for (const tf of timeframes) t[tf] = Number(row[`t_${tf}`]);
    entity.totals[row.metricType] = t;
  }
  return byId;
}

const compactDocument = JSON.stringify({ meta: [], data: compactRows, rows: compactRows.length });

function now(): Map<number, Totals> {
  const rows = JSON.parse(compactDocument).data;
  const byId = new Map<number, Totals>();
  for (const id of ids) byId.set(id, { entityId: id, totals: {} });
  for (const row of rows) {
    const entity = byId.get(row[0]);
    if (!entity) continue;
    const t: Record<string, number> = {};
    for (let i = 0; i < timeframes.length; i++) t[timeframes[i]!] = row[2 + i];
    entity.totals[row[1]] = t;
  }
  for (const entity of byId.values())
    for (const m of requested) {
      if (entity.totals[m]) continue;
      const zeros: Record<string, number> = {};
      for (const tf of timeframes) zeros[tf] = 0;
      entity.totals[m] = zeros;
    }
  return byId;
}

// Both must give the same totals.
const [a, b] = [before(), now()];
for (const id of ids)
  for (const m of requested)
    for (const tf of timeframes)
      if (a.get(id)!.totals[m]![tf] !== b.get(id)!.totals[m]![tf])
        throw new Error(`differ at ${id} ${m} ${tf}`);

const ms: Record<string, number[]> = { before: [], now: [] };
for (let r = 0; r < rounds; r++)
  for (const [name, run] of [
    ['before', before],
    ['now', now],
  ] as const) {
    const t0 = performance.now();
    run();
    ms[name]!.push(performance.now() - t0);
  }
for (const [name, xs] of Object.entries(ms))
  console.log(
    `${name.padEnd(7)} ms ${xs.map((x) => x.toFixed(0)).join(' ')}  median ${median(xs).toFixed(0)}`,
  );
console.log(
  `load ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
