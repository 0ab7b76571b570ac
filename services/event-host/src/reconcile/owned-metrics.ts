import type { TruthPlan } from '@engagement/event-bus/truth';
import { closest } from '../config/closest-name.js';
import { HostError } from '../errors.js';

/**
 * The metrics a plugin's (or one listener's) truths cover, by entity type: what `backfill --plugin P` and
 * `--listener L` work on. Each metric is then compared with its whole truth, every listener's share
 * included, never with the chosen listener's share alone (that would "repair" the other shares away).
 */
export function metricsOwnedBy(
  plan: TruthPlan,
  wanted: { plugin?: string; listener?: string },
): Map<string, string[]> | undefined {
  if (wanted.plugin === undefined && wanted.listener === undefined) return undefined;
  const planned = [...plan.byEntityType.values()].flat();
  const pick = (flag: string, value: string, known: string[]) => {
    if (known.includes(value)) return;
    const unreconcilable = plan.notReconcilable.find((n) => n.pluginId === value || n.listenerId === value);
    if (unreconcilable) {
      throw new HostError('EH_USAGE', `${flag} ${value}: ${unreconcilable.reason}`);
    }
    const near = closest(value, known);
    throw new HostError(
      'EH_USAGE',
      `${flag} ${value}: no truth of it${near ? ` (did you mean ${near}?)` : ''}; known: ${[...new Set(known)].sort().join(', ')}`,
    );
  };
  if (wanted.plugin !== undefined)
    pick(
      '--plugin',
      wanted.plugin,
      planned.map((p) => p.pluginId),
    );
  const ofPlugin = planned.filter((p) => wanted.plugin === undefined || p.pluginId === wanted.plugin);
  if (wanted.listener !== undefined)
    pick(
      '--listener',
      wanted.listener,
      ofPlugin.map((p) => p.listenerId),
    );
  const owned = new Map<string, string[]>();
  for (const p of ofPlugin) {
    if (wanted.listener !== undefined && p.listenerId !== wanted.listener) continue;
    const metrics = owned.get(p.truth.entityType) ?? [];
    for (const m of p.truth.metrics) if (!metrics.includes(m)) metrics.push(m);
    owned.set(p.truth.entityType, metrics.sort());
  }
  return owned;
}
