// The growth bench's report (growth.ts): the cache-miss figures per size side by side, the search-sync
// flush figures at the largest size, and the issue 16 targets.
import { readFileSync } from 'node:fs';
import type { FlushSplit } from './bench-search-sync.js';

export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export interface MissFigures {
  label: string;
  tableRows: number;
  partsBefore: number;
  partsAfter: number;
  dailyParts: number;
  dailyRows: number;
  mergesBefore: number;
  p50: number;
  p99: number;
  rowsRead: number;
  marksRead: number;
  fillSeconds: number;
}

export interface FlushFigures extends FlushSplit {
  n: number;
  /** search-sync's `chunkSize`; 0 is the whole round. */
  chunk: number;
  rowsRead: number;
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const col = (s: string) => s.padStart(14);
const row = (name: string, cells: string[]) => console.log(name.padEnd(36) + cells.map(col).join(''));

/** The miss table's rows: a label and the cell of one size. */
const MISS_ROWS: [string, (m: MissFigures) => string, 'rollup only'?][] = [
  ['background rows', (m) => m.label],
  ['table rows', (m) => fmt(m.tableRows)],
  ['active parts before / after samples', (m) => `${m.partsBefore} / ${m.partsAfter}`],
  ['rollup daily rows / parts', (m) => `${fmt(m.dailyRows)} / ${m.dailyParts}`, 'rollup only'],
  ['merges running when sampling began', (m) => String(m.mergesBefore)],
  ['fill (or OPTIMIZE) seconds', (m) => fmt(m.fillSeconds, 1)],
  ['miss p50 ms', (m) => fmt(m.p50, 1)],
  ['miss p99 ms', (m) => fmt(m.p99, 1)],
  ['rows read per miss (median)', (m) => fmt(m.rowsRead)],
  ['rows read / table rows', (m) => `${fmt((100 * m.rowsRead) / m.tableRows, 1)}%`],
  ['marks read per miss (median)', (m) => fmt(m.marksRead)],
];

/** The flush table's rows: a label and the cell of one flush. */
const FLUSH_ROWS: [string, (f: FlushFigures) => string][] = [
  ['queued Image ids', (f) => fmt(f.n)],
  ['ids per query and request', (f) => (f.chunk ? fmt(f.chunk) : 'all')],
  ['flush ms (flushNow)', (f) => fmt(f.ms)],
  ['  ClickHouse queries ms (any in flight)', (f) => fmt(f.queryMs)],
  ['  no query in flight ms (flush - ClickHouse)', (f) => fmt(f.outsideQueriesMs)],
  ['Meilisearch fake ms (its own work, overlapping)', (f) => fmt(f.fakeMs)],
  ['event loop idle during the flush ms', (f) => fmt(f.idleMs)],
  ['bench process CPU ms (chDB + ours)', (f) => fmt(f.cpuMs)],
  ['ClickHouse queries', (f) => fmt(f.queries)],
  ['rows read', (f) => fmt(f.rowsRead)],
];

export interface GrowthSettings {
  eventsPerTarget: number;
  samples: number;
  /** The read rollup's figures, or undefined with --no-rollup. */
  rollup:
    | {
        rolls: number;
        rollMs: number;
        /** Compactions at the sizes (undefined with --no-compact) and their time with the sweep. */
        compactions: number | undefined;
        compactMs: number;
        chunk: number;
        live: number;
      }
    | undefined;
  loadBefore: string;
  /** performance.now() when the bench began. */
  started: number;
}

export function printGrowthReport(
  misses: MissFigures[],
  flushes: FlushFigures[],
  settings: GrowthSettings,
): void {
  const { rollup } = settings;
  console.log(
    `growth bench: 100 target Models x ${settings.eventsPerTarget} events, ${settings.samples} cache misses per size, embedded chDB (temp dir), stack Redis`,
  );
  console.log(
    rollup
      ? `read rollup: ${rollup.rolls} rolls of <= ${fmt(rollup.chunk)} rows, ${fmt(rollup.rollMs / 1000, 1)} s in all (${fmt(rollup.rollMs / Math.max(rollup.rolls, 1))} ms per roll); ${
          rollup.compactions === undefined
            ? 'not compacted (--no-compact)'
            : `${rollup.compactions} compactions (closed months folded) and the sweep at the sizes, ${fmt(rollup.compactMs / 1000, 1)} s`
        }; ${fmt(rollup.live)} unrolled live events per size`
      : 'no read rollup (--no-rollup): misses read the event table with FINAL',
  );
  for (const [name, cell, only] of MISS_ROWS) if (rollup || !only) row(name, misses.map(cell));
  // One reader's sizes (labels `<size>M` plus the reader's suffix, growth.ts --roll-state-max-age): the last's.
  const reader = (label: string) => label.replace(/^\d+M/, '');
  const lastReader = reader(misses.filter((m) => !m.label.includes(' merged')).at(-1)!.label);
  const unmerged = misses.filter((m) => !m.label.includes(' merged') && reader(m.label) === lastReader);
  const first = unmerged[0]!;
  const lastSize = unmerged.at(-1)!;
  const millions = (lastSize.tableRows - first.tableRows) / 1_000_000;
  const slope = (k: 'p50' | 'p99') => (millions > 0 ? (lastSize[k] - first[k]) / millions : Number.NaN);
  console.log(
    `slope ${first.label} -> ${lastSize.label}: p50 ${fmt(slope('p50'), 2)} ms per million rows, p99 ${fmt(slope('p99'), 2)} ms per million rows`,
  );
  console.log(`search-sync flush at ${lastSize.label} (${fmt(lastSize.tableRows)} rows, unmerged):`);
  for (const [name, cell] of FLUSH_ROWS) row(name, flushes.map(cell));
  const flush10k = flushes.filter((f) => f.n === 10_000).sort((x, y) => x.ms - y.ms)[0];
  console.log(
    `targets (issue 16): miss p99 <= 50 ms at 30M (now ${fmt(lastSize.p99, 1)} ms at ${lastSize.label}); slope <= 1 ms per million rows (now p99 ${fmt(slope('p99'), 2)}, p50 ${fmt(slope('p50'), 2)}); 10k-id flush <= 500 ms at 30M (now ${flush10k ? `${fmt(flush10k.ms)} ms` : 'not run'} at ${lastSize.label})`,
  );
  console.log(
    `load average (1/5/15 min) before: ${settings.loadBefore}, after: ${loadAverage()}; ${fmt((performance.now() - settings.started) / 1000)} s in all`,
  );
}
