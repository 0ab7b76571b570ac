import type { EntitySelection } from '../../reconcile/entity-selection.js';
import { reconcile } from '../../reconcile/reconcile.js';
import type { CliContext } from '../cli-context.js';
import { withReconcileClients } from './reconcile-clients.js';
import { parseReconcileArgs, printReconcileReport } from './reconcile-output.js';

/**
 * `event-host metrics reconcile [--sample N | --all | --ids LIST] [--entity-type T] [--metric M] [--repair]
 * [--json]`: compares stored metric events (and cached hashes) with the listeners' truths at a consistent
 * source position; `--repair` writes the differences as corrections. Exit 3 when something is off and was
 * not repaired, or could not be compared.
 */
export async function reconcileCommand(ctx: CliContext): Promise<number> {
  const args = parseReconcileArgs(ctx.args);
  const selection: EntitySelection = args.ids
    ? { kind: 'ids', ids: new Map([[args.entityType!, args.ids]]) }
    : args.all
      ? { kind: 'all' }
      : { kind: 'sample', size: args.sample ?? 1000 };
  return withReconcileClients(ctx, { ...args, producer: args.repair }, async (clients) => {
    const report = await reconcile({
      ...clients,
      metric: args.metric,
      selection,
      repair: args.repair,
      batchSize: args.batchSize ?? clients.config.reconcile.batchSize,
      waitMs: clients.config.reconcile.waitMs,
      clickhouseSettleMs: clients.config.reconcile.clickhouseSettleMs,
      onProgress: args.json ? undefined : (line) => ctx.stderr.write(`${line}\n`),
    });
    return printReconcileReport(ctx, report, args);
  });
}
