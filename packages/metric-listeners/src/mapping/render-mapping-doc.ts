import type { ListenerDefinition, PluginDefinition, Token } from '@engagement/plugin-api';
import type { MetricListener } from '../counting/define-metric-listener.js';
import type { MetricMove } from '../counting/metric-move.js';
import { DEPRECATION_REASONS } from './deprecated-metrics.js';
import { PLAN_MAPPING, STORED_AS } from './plan-mapping.js';
import { renderTruthSection } from './render-truth-section.js';
import { SEMANTICS } from './semantics.js';

/** The command that writes the doc; named in its header. */
export const MAPPING_DOC_COMMAND = 'npm run docs:mapping -w @engagement/metric-listeners';

interface Row {
  listener: MetricListener;
  plugin: PluginDefinition;
  metric: string;
  note: string;
  kept: MetricMove['kept'];
}

// biome-ignore lint/suspicious/noExplicitAny: listeners keep their own dependency types
const isMetricListener = (l: ListenerDefinition<any>): l is MetricListener => 'declaration' in l;

const cell = (text: string) => text.replaceAll('|', '\\|');

/**
 * Renders docs/metric-mapping.md from the plugins' own declarations: for each metric model of the plan,
 * which listener moves each metric, from which table and on which operations, next to the plan's
 * annotation; then the deprecated metrics and why they are absent; then each listener's truth (SQL) and
 * the listeners that are not reconcilable; then the lookups' feeding listeners.
 */
export function renderMappingDoc(plugins: readonly PluginDefinition[]): string {
  const rows: Row[] = [];
  for (const plugin of plugins) {
    for (const listener of plugin.listeners) {
      if (!isMetricListener(listener)) continue;
      for (const move of listener.declaration.moves) {
        for (const metric of move.metrics) {
          rows.push({
            listener,
            plugin,
            metric: `${move.entity}.${metric}`,
            note: move.note ?? '',
            kept: move.kept,
          });
        }
      }
    }
  }
  const out: string[] = [
    '# Metric mapping',
    '',
    `<!-- Generated from the listeners' declarations by \`${MAPPING_DOC_COMMAND}\`. Do not edit: a unit test fails when this file is stale. -->`,
    '',
    "Which source changes move which metric, as the listeners of `@engagement/metric-listeners` declare it (`moves`, `table`, `ops` of each `defineMetricListener`). The listeners emit only what they declare, so this table cannot drift from the code. The *plan* column is the plan's annotation (`pg|ch`, `c|u|d`, table), for comparison.",
    '',
    "- **ops**: `c` create adds the row's share, `d` delete takes it back, `u` update moves the difference between the old and the new row. A listener handles `u` wherever a column it counts can change in place (a reaction's kind, an engagement's type, a review's rating or exclusion, a tag's `disabled` flag, a permission), also where the plan writes only `cd`; handling it costs nothing when nothing counted changed.",
    "- **Moves between parents** follow the row: every Postgres listener handles `u`, so an update of the column naming the parent (`collectionId` of an item moved to another collection) takes the row's share from the old parent and adds it to the new one, dated by the row's unchanged `createdAt`, so windows stay right. The old parent counted the row while it was there, so it never goes negative. A move of the *parent* itself (an image attached to another post) changes counts that join through it (`Post` reactions): those are recomputed (next point).",
    "- **`→ recompute`**: a count over a join whose tables change on other partitions, in any order (a post's reactions through its images, a model's distinct images through its versions), cannot be kept exact with deltas. The listener touches the entity instead, and the host recomputes the metric from the source at one snapshot once the stream has delivered that snapshot (docs/architecture.md, *Recompute on touch*).",
    "- **`(decreases → recompute)`**: increases are deltas, but a decrease touches the entity and the recompute takes it back. A removal read through a relation that may have moved since the row was counted (a reaction through its image's post) could otherwise be taken from a parent that never counted it, and that parent would read below zero until the recompute; this way every count stays at or above zero, and a removal shows after the recompute (seconds) instead of at once.",
    "- Every metric event is dated by the counted row's own `createdAt` (ClickHouse rows: their time column), also on its update and delete, so windowed sums equal windowed counts of the rows that still exist.",
    '- Snapshot reads (`op = r`) are ignored: history is loaded by the backfill.',
    '- Every metric also has a truth (SQL over the source), listed under [Truth per metric](#truth-per-metric).',
    '- `rating` is stored as `ratingSum` and `ratingCount`; readers compute the average (sum / count) for any timeframe.',
    '',
  ];
  for (const model of PLAN_MAPPING) {
    if (!model.entity) continue;
    out.push(`## ${model.model}`, '');
    out.push('| metric | source | table | ops | listener | plugin (owner) | what counts | plan |');
    out.push('|---|---|---|---|---|---|---|---|');
    const planned = new Set<string>();
    for (const { metric, plan } of model.metrics) {
      if (plan === 'deprecated') continue;
      for (const stored of STORED_AS[metric] ?? [metric]) {
        planned.add(stored);
        const moving = rows.filter((r) => r.metric === `${model.entity}.${stored}`);
        if (moving.length === 0) out.push(`| ${stored} | — | — | — | **none** | — | — | ${plan} |`);
        for (const r of moving) {
          out.push(
            renderRow(stored, r, metric === stored ? plan : `${metric}: ${plan} (= ratingSum / ratingCount)`),
          );
        }
      }
    }
    for (const r of rows.filter((x) => x.metric.startsWith(`${model.entity}.`))) {
      const metric = r.metric.slice(model.entity.length + 1);
      if (!planned.has(metric)) out.push(renderRow(metric, r, 'not in the plan'));
    }
    out.push('');
  }
  out.push('## Semantics users ask about', '');
  for (const { question, answer } of SEMANTICS) out.push(`- **${question}** ${answer}`);
  out.push('');
  out.push(
    '## Deprecated metrics (no listener)',
    '',
    '| model | metric | why it is absent |',
    '|---|---|---|',
  );
  for (const model of PLAN_MAPPING) {
    const whole = DEPRECATION_REASONS[model.model];
    if (whole) {
      out.push(
        `| ${model.model} | all (${model.metrics.map((x) => x.metric).join(', ')}) | ${cell(whole)} |`,
      );
      continue;
    }
    for (const { metric, plan } of model.metrics) {
      if (plan !== 'deprecated') continue;
      out.push(
        `| ${model.model} | ${metric} | ${cell(DEPRECATION_REASONS[`${model.model}.${metric}`] ?? '')} |`,
      );
    }
  }
  out.push('', ...renderTruthSection(plugins));
  out.push('## Lookups', '');
  out.push(
    "Related ids (an image's post and owner, a version's model, a thread's entity, a collection's mode) come from Postgres through the Prisma client (`lookups.*` tokens, built from the host's `app.db`). One query per lookup and Kafka batch reads the live table and `event_bus.deleted_row`, the archive that a delete trigger fills in the deleting transaction, so a child deleted with its parent (a cascade) finds the parent at once, on any host and after restarts; a parent in neither is a dead letter (`ML_RELATED_ROW_MISSING`). Relations that never change (owners, a version's model, a thread's entity) stay cached and are also remembered from the parents' own changes by the listeners below; mutable ones (an image's post, a collection's mode) are read again for every batch.",
    '',
    '| table | listener | lookup | plugin (owner) |',
    '|---|---|---|---|',
  );
  for (const plugin of plugins) {
    for (const listener of plugin.listeners) {
      if (isMetricListener(listener)) continue;
      const tokens = Object.values(listener.deps as Record<string, Token<unknown>>).map((t) => `\`${t.id}\``);
      out.push(
        `| ${(listener.tables ?? []).join(', ')} | \`${listener.id}\` | ${tokens.join(', ')} | ${plugin.id} (${plugin.owner}) |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function renderRow(metric: string, r: Row, plan: string): string {
  const d = r.listener.declaration;
  const kept = { recompute: ' → recompute', increases: ' (decreases → recompute)', deltas: '' };
  const ops = `${d.ops.join('')}${kept[r.kept ?? 'deltas']}`;
  return `| ${metric} | ${d.source === 'postgres' ? 'pg' : 'ch'} | ${d.table} | ${ops} | \`${r.listener.id}\` | ${r.plugin.id} (${r.plugin.owner}) | ${cell(r.note)} | ${cell(plan)} |`;
}
