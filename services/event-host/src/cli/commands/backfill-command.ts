import { type BackfillProgress, backfill } from '../../reconcile/backfill.js';
import { println } from '../cli-context.js';
import { defineCommand } from '../command-table.js';
import { SCOPE_OPTIONS, withReconcileClients } from './reconcile-clients.js';

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
 * `event-host backfill`: writes the history of the chosen metrics (reconcile --all --repair over every entity,
 * in keyset order, resumable). A progress bar on a terminal, progress lines otherwise, a summary at the end.
 */
export const backfillCommand = defineCommand({
  name: 'backfill',
  summary:
    "write the metrics' history: reconcile --all --repair in keyset order, at most N entities/s,\n" +
    'resumable (--restart ignores saved progress)',
  options: {
    ...SCOPE_OPTIONS,
    rate: { kind: 'count', value: 'N', help: 'at most N entities per second' },
    restart: { kind: 'flag', help: 'start over, ignoring saved progress' },
    json: { kind: 'flag', help: 'print the report as JSON' },
  },
  async run(ctx, args) {
    const tty = (ctx.stderr as { isTTY?: boolean }).isTTY === true;
    // A first SIGINT/SIGTERM stops after the round in progress, releasing the repair lock; a second quits at
    // once (the lock then stays until it expires, and the next run does that round again).
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) process.exit(130);
      ctx.stderr.write(
        `\nbackfill: ${signal}: stopping after the round in progress (again to quit now; the repair lock then stays until it expires)\n`,
      );
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      return await withReconcileClients(
        ctx,
        {
          entityType: args['entity-type'],
          metric: args.metric,
          plugin: args.plugin,
          listener: args.listener,
          producer: true,
        },
        async (clients) => {
          const report = await backfill({
            ...clients,
            metric: args.metric,
            batchSize: args['batch-size'] ?? clients.config.reconcile.batchSize,
            rate: args.rate,
            restart: args.restart,
            waitMs: clients.config.reconcile.waitMs,
            clickhouseSettleMs: clients.config.reconcile.clickhouseSettleMs,
            lockWaitMs: clients.config.reconcile.lockWaitMs,
            lockTtlMs: clients.config.reconcile.lockTtlMs,
            signal: stop.signal,
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
              `wrote ${report.repaired.events} correction event(s), refilled ${report.repaired.hashes} cached hash(es)` +
                (report.unpublished.published > 0
                  ? `; published ${report.unpublished.published} an interrupted run had stored but not published`
                  : ''),
            );
          }
          return 0;
        },
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
});
