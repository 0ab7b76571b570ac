import type { PluginDefinition } from '@engagement/plugin-api';
import { closest } from '../config/closest-name.js';
import type { HostConfig } from '../config/host-config.js';
import { HostError } from '../errors.js';

/** A source table a listener declares (`tables` in `defineListener`). */
export interface DeclaredTable {
  pluginId: string;
  listenerId: string;
  table: string;
}

/** What boot could learn about the source tables; `undefined` means that source was not known. */
export interface TableFacts {
  /** Tables of the configured Postgres schema (unknown without `postgres.url`, or when unreachable). */
  postgresTables?: ReadonlySet<string>;
  /** Existing topics → whether any partition ever held a record (unknown when Kafka was not reached). */
  topics?: ReadonlyMap<string, boolean>;
  /** Tables the configured ClickHouse source routes carry (`sources.clickhouseTopics`). */
  clickhouseTables: ReadonlySet<string>;
}

/** One declared table that boot could not confirm. */
export interface TableFinding extends DeclaredTable {
  /** `error` stops boot; `warning` is logged (the topic may legitimately appear later). */
  level: 'error' | 'warning';
  /** The Debezium topic the table's changes would arrive on. */
  topic: string;
  suggestion?: string;
  message: string;
}

/** Every (plugin, listener, table) the loaded plugins declare. */
export function declaredTablesOf(plugins: readonly PluginDefinition[]): DeclaredTable[] {
  return plugins.flatMap((p) =>
    p.listeners.flatMap((l) =>
      (l.tables ?? []).map((table) => ({ pluginId: p.id, listenerId: l.id, table })),
    ),
  );
}

/**
 * Decides, per declared table, whether boot must stop. A table routed from ClickHouse is checked against
 * the ClickHouse source routes only. For a Postgres table, the configured schema is authoritative when it is
 * known: no such table and no Debezium topic that ever held a record is an error (a typo: the listener
 * would never fire); a topic with records but no table is a warning (a dropped or renamed table whose
 * history can still be consumed). With only Kafka known, a missing or empty topic is a warning: Debezium
 * creates a table's topic on its first change, so a new table legitimately has none yet.
 */
export function judgeDeclaredTables(
  declared: readonly DeclaredTable[],
  facts: TableFacts,
  debezium: HostConfig['debezium'],
): TableFinding[] {
  const topicPrefix = `${debezium.topicPrefix}.${debezium.schema}.`;
  const topicTables = [...(facts.topics?.keys() ?? [])]
    .filter((t) => t.startsWith(topicPrefix))
    .map((t) => t.slice(topicPrefix.length));
  const candidates = new Set([...(facts.postgresTables ?? []), ...facts.clickhouseTables, ...topicTables]);
  const findings: TableFinding[] = [];
  for (const d of declared) {
    if (facts.clickhouseTables.has(d.table)) continue;
    const topic = `${topicPrefix}${d.table}`;
    const written = facts.topics?.get(topic);
    let level: TableFinding['level'];
    let why: string;
    if (facts.postgresTables) {
      if (facts.postgresTables.has(d.table)) continue;
      level = written ? 'warning' : 'error';
      why = written
        ? `no table in Postgres schema "${debezium.schema}", although topic "${topic}" holds records (dropped or renamed?)`
        : `no table in Postgres schema "${debezium.schema}", no ClickHouse source route and no Debezium topic "${topic}" with records`;
    } else if (facts.topics) {
      if (written) continue;
      level = 'warning';
      why = `${written === false ? 'Debezium topic is empty' : 'no Debezium topic'} "${topic}" yet (Postgres not checked)`;
    } else {
      continue;
    }
    const suggestion = closest(
      d.table,
      [...candidates].filter((c) => c !== d.table),
    );
    findings.push({
      ...d,
      level,
      topic,
      suggestion,
      message: `listener "${d.listenerId}" (plugin "${d.pluginId}") declares table "${d.table}": ${why}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
    });
  }
  return findings;
}

/** Throws `EH_PLUGIN_TABLE_UNKNOWN` (exit 78) naming every declared table that stops boot. */
export function assertDeclaredTables(findings: readonly TableFinding[]): void {
  const errors = findings.filter((f) => f.level === 'error');
  if (errors.length === 0) return;
  throw new HostError(
    'EH_PLUGIN_TABLE_UNKNOWN',
    `a listener declares a table that does not exist:\n${errors.map((e) => `  ${e.message}`).join('\n')}`,
  );
}
