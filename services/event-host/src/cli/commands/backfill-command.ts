import { HostError } from '../../errors.js';
import { type BackfillProgress, backfill } from '../../reconcile/backfill.js';
import { type CliContext, println } from '../cli-context.js';
import { withReconcileClients } from './reconcile-clients.js';

interface BackfillArgs {
  entityType?: string;
  metric?: string;
  batchSize?: number;
  rate?: number;
  restart: boolean;
  json: boolean;
}

function parseBackfillArgs(argv: readonly string[]): BackfillArgs {
  const args: BackfillArgs = { restart: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new HostError('EH_USAGE', `${a} needs a value`);
      return v;
    };
    const positive = () => {
      const n = Number(value());
      if (!Number.isSafeInteger(n) || n < 1) throw new HostError('EH_USAGE', `${a} needs a positive integer`);
      return n;
    };
    if (a === '--entity-type') args.entityType = value();
    else if (a === '--metric') args.metric = value();
    else if (a === '--batch-size') args.batchSize = positive();
    else if (a === '--rate') args.rate = positive();
    else if (a === '--restart') args.restart = true;
    else if (a === '--json') args.json = true;
    else throw new HostError('EH_USAGE', `backfill: unknown argument "${a}"`);
  }
  return args;
}

const duration = (s: number | null) =>
  s === null
    ? '?'
    : s < 90
      ? `${Math.round(s)} s`
      : s < 5400
        ? `${Math.round(s / 60)} min`
        : `${(s / 3600).toFixed(1)} h`;

function progressLine(p: BackfillProgress): string {
  const pct = p.total === 0 ? 100 : (100 * p.done) / p.total;
  return `backfill ${p.entityType}: ${p.done}/${p.total} entities (${pct.toFixed(1)}%), ${Math.round(p.rowsPerSecond)} rows/s, ${Math.round(p.entitiesPerSecond)} entities/s, ETA ${duration(p.etaSeconds)}, ${p.corrections} corrections`;
}

/**
 * `event-host backfill [--entity-type T] [--metric M] [--batch-size N] [--rate N] [--restart] [--json]`:
 * writes the history of the chosen metrics (reconcile --all --repair over every entity, in keyset order,
 * resumable). A progress bar on a terminal, progress lines otherwise, a summary at the end.
 */
export async function backfillCommand(ctx: CliContext): Promise<number> {
  const args = parseBackfillArgs(ctx.args);
  const tty = (ctx.stderr as { isTTY?: boolean }).isTTY === true;
  return withReconcileClients(ctx, { ...args, producer: true }, async (clients) => {
    const report = await backfill({
      ...clients,
      metric: args.metric,
      batchSize: args.batchSize ?? clients.config.reconcile.batchSize,
      rate: args.rate,
      restart: args.restart,
      waitMs: clients.config.reconcile.waitMs,
      clickhouseSettleMs: clients.config.reconcile.clickhouseSettleMs,
      progressKey: `eventbus:backfill:progress:${clients.watermarkKey}`,
      onProgress: args.json
        ? undefined
        : (p) => ctx.stderr.write(tty ? `\r\x1b[K${progressLine(p)}` : `${progressLine(p)}\n`),
    });
    if (tty && !args.json) ctx.stderr.write('\n');
    if (args.json) println(ctx.stdout, JSON.stringify(report));
    else {
      const resumed = Object.entries(report.resumedFrom);
      println(
        ctx.stdout,
        `backfill ${report.run}: ${report.entities} entities, ${report.truthRows} source rows in ${report.seconds.toFixed(1)} s` +
          ` (${Math.round(report.truthRows / Math.max(report.seconds, 0.001))} rows/s; ${report.catchUpSeconds.toFixed(1)} s waiting for the stream)` +
          `${resumed.length ? `, resumed after ${resumed.map(([t, id]) => `${t} ${id}`).join(', ')}` : ''}`,
      );
      println(
        ctx.stdout,
        `wrote ${report.repaired.events} correction event(s), refilled ${report.repaired.hashes} cached hash(es)`,
      );
    }
    return 0;
  });
}
