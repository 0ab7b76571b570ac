import { RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { HostError } from '../../errors.js';
import type { EntitySelection } from '../../reconcile/entity-selection.js';
import { reconcileWithRecheck } from '../../reconcile/recheck.js';
import { defineCommand } from '../command-table.js';
import { SCOPE_OPTIONS, withReconcileClients } from './reconcile-clients.js';
import { printReconcileReport } from './reconcile-output.js';

/**
 * `event-host metrics reconcile`: compares stored metric events (and cached hashes) with the listeners' truths
 * at a consistent source position; `--repair` writes the differences as corrections. Exit 3 when something is
 * off and was not repaired, or could not be compared.
 */
export const reconcileCommand = defineCommand({
  name: 'metrics reconcile',
  summary:
    "compare stored metric events (and cached hashes) with the listeners' truths over the source, at one\n" +
    'consistent source position per batch; --repair writes the differences as corrections and refills\n' +
    'hashes (default --sample 1000 per entity type; --ids needs --entity-type)',
  options: {
    sample: { kind: 'count', value: 'N', help: 'compare N random entities per entity type (default 1000)' },
    all: { kind: 'flag', help: 'compare every entity' },
    ids: { kind: 'ids', value: 'LIST', help: 'compare these ids (comma-separated; needs --entity-type)' },
    ...SCOPE_OPTIONS,
    repair: { kind: 'flag', help: 'write the differences as corrections and refill the cached hashes' },
    'no-recheck': {
      kind: 'flag',
      help: 'do not compare again what was left out as waiting for recompute once the recomputer took it',
    },
    json: { kind: 'flag', help: 'print the report as JSON, every difference included' },
  },
  check(args) {
    if ([args.sample !== undefined, args.all, args.ids !== undefined].filter(Boolean).length > 1) {
      throw new HostError('EH_USAGE', 'metrics reconcile: use one of --sample N, --all, --ids LIST');
    }
    if (args.ids && !args['entity-type']) throw new HostError('EH_USAGE', '--ids needs --entity-type');
  },
  async run(ctx, args) {
    const entityType = args['entity-type'];
    const selection: EntitySelection = args.ids
      ? { kind: 'ids', ids: new Map([[entityType!, args.ids]]) }
      : args.all
        ? { kind: 'all' }
        : { kind: 'sample', size: args.sample ?? 1000 };
    const { metric, plugin, listener } = args;
    const wanted = { entityType, metric, plugin, listener, producer: args.repair };
    return withReconcileClients(ctx, wanted, async (clients) => {
      const { recompute } = clients.config;
      const report = await reconcileWithRecheck(
        {
          ...clients,
          metric: args.metric,
          selection,
          // Entities waiting for the host's recomputer are in flight, not off.
          touched: new RedisTouchQueue(clients.redis, clients.config.cacheScope),
          // It holds the repair lock for that; a recompute pass holds it for seconds, so wait for it.
          lockWaitMs: clients.config.reconcile.lockWaitMs,
          lockTtlMs: clients.config.reconcile.lockTtlMs,
          repair: args.repair,
          batchSize: args['batch-size'] ?? clients.config.reconcile.batchSize,
          waitMs: clients.config.reconcile.waitMs,
          clickhouseSettleMs: clients.config.reconcile.clickhouseSettleMs,
          onProgress: args.json ? undefined : (line) => ctx.stderr.write(`${line}\n`),
        },
        // What was left out is compared again once a pass took it: within its max wait, plus a pass's time.
        {
          rounds: args['no-recheck'] || !recompute.enabled ? 0 : 1,
          waitMs: recompute.maxWaitMs + 30_000,
        },
      );
      return printReconcileReport(ctx, report, args);
    });
  },
});
