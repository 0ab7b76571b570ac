import { truthPlan } from '@engagement/event-bus/truth';
import type { PluginDefinition } from '@engagement/plugin-api';

/**
 * The docs' truth section: for every listener, the SQL its metrics must equal (what `event-host metrics
 * reconcile` compares stored events with), then the listeners that are not reconcilable and why.
 */
export function renderTruthSection(plugins: readonly PluginDefinition[]): string[] {
  const out: string[] = [
    '## Truth per metric',
    '',
    "Each listener also declares its metrics' truth (`truth` of `defineMetricListener`, built with `postgresTruth` / `clickhouseTruth`): SQL over the source, written apart from the listener's code, that returns per entity, metric and exact `createdAt` of the counted row what the stored events must sum to. `event-host metrics reconcile` compares stored events with it and `--repair` writes the difference (see docs/reconcile.md). Postgres queries take `$1` = entity ids; ClickHouse queries take `{ids}`, `{before}` (epoch ms) and the named Postgres lookups as `Map(Int64, Int64)`.",
    '',
  ];
  // A truth two listeners declare identically is planned once (truthPlan); shown once, where it is planned.
  const planned = new Map<unknown, string>();
  for (const list of truthPlan(plugins).byEntityType.values())
    for (const p of list) planned.set(p.truth, p.listenerId);
  const sameAs = new Map<string, string>();
  for (const plugin of plugins)
    for (const listener of plugin.listeners)
      for (const truth of listener.truth ?? []) {
        const key = JSON.stringify([truth.source, truth.entityType, truth.metrics, truth.sql]);
        if (!sameAs.has(key)) sameAs.set(key, listener.id);
      }
  for (const plugin of plugins) {
    for (const listener of plugin.listeners) {
      if (!listener.truth?.length) continue;
      out.push(`### \`${listener.id}\` (${plugin.id})`, '');
      for (const truth of listener.truth) {
        const first = sameAs.get(JSON.stringify([truth.source, truth.entityType, truth.metrics, truth.sql]));
        if (!planned.has(truth) && first && first !== listener.id) {
          out.push(
            `${truth.entityType}: ${truth.metrics.join(', ')}: the same truth as \`${first}\` (planned once).`,
            '',
          );
          continue;
        }
        out.push(
          `${truth.entityType}: ${truth.metrics.join(', ')} (${truth.source === 'postgres' ? 'pg' : 'ch'})`,
          '',
          '```sql',
          truth.sql,
          '```',
        );
        for (const [name, sql] of Object.entries(truth.lookups ?? {})) {
          out.push('', `lookup \`${name}\`: \`${sql}\``);
        }
        out.push('');
      }
    }
  }
  const { notReconcilable } = truthPlan(plugins);
  out.push('## Not reconcilable', '');
  if (notReconcilable.length === 0) out.push('None: every listener declares its truth.', '');
  else {
    out.push('| listener | plugin | why |', '|---|---|---|');
    for (const n of notReconcilable) out.push(`| \`${n.listenerId}\` | ${n.pluginId} | ${n.reason} |`);
    out.push('');
  }
  return out;
}
