import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clickhouseSourceRoutes } from './routes.js';
import { clickhouseSourceDdl, clickhouseSourceTables } from './source-tables.js';

const productionDdl = readFileSync(
  join(
    fileURLToPath(new URL('.', import.meta.url)),
    '../../../../infra/clickhouse/production/0002_export_source_rows_to_kafka.sql',
  ),
  'utf8',
);

/** Column list of the Kafka table the view of `source` writes to, read from the production SQL. */
function exportColumns(source: string): { topic: string; columns: [string, string][]; selected: string[] } {
  const view = new RegExp(`TO (\\S+) AS\\s+SELECT ([^;]+?)\\s+FROM ${source.replace('.', '\\.')};`).exec(
    productionDdl,
  );
  if (!view) throw new Error(`no export view for ${source}`);
  const kafkaTable = view[1]!;
  const table = new RegExp(
    `CREATE TABLE IF NOT EXISTS ${kafkaTable.replace('.', '\\.')}\\s*\\(([^;]*?)\\)\\s*ENGINE = Kafka([^;]*);`,
  ).exec(productionDdl);
  if (!table) throw new Error(`no Kafka table ${kafkaTable}`);
  const columns = table[1]!
    .split(',\n')
    .map((line) => /^\s*(\S+)\s+(.+?)\s*$/.exec(line)!)
    .map((m) => [m[1]!, m[2]!] as [string, string]);
  const topic = /kafka_topic_list = '([^']+)'/.exec(table[2]!)![1]!;
  return { topic, columns, selected: view[2]!.split(',').map((c) => c.trim()) };
}

// Kafka tables hold plain types; LowCardinality is a storage detail of the source table.
const plain = (type: string) => type.replace(/^LowCardinality\((.*)\)$/, '$1').replace(/\s+/g, ' ');

describe('production export DDL of the ClickHouse source tables', () => {
  for (const table of clickhouseSourceTables) {
    it(`exports every column of ${table.table} to the topic the decoder routes to it`, () => {
      const exported = exportColumns(table.table);
      expect(exported.columns.map(([n, t]) => [n, t.replace(/\s+/g, ' ')])).toEqual(
        table.columns.map(([n, t]) => [n, plain(t)]),
      );
      expect(exported.selected).toEqual(table.columns.map(([n]) => n));
      expect(clickhouseSourceRoutes()[exported.topic]).toEqual({
        table: table.table,
        timestampColumn: table.timestampColumn,
        idColumn: table.idColumn,
      });
    });
  }

  it('creates the orchestration database before its table', () => {
    const ddl = clickhouseSourceDdl();
    expect(ddl[0]).toBe('CREATE DATABASE IF NOT EXISTS orchestration');
    expect(ddl.findIndex((s) => s.includes('orchestration.jobs'))).toBeGreaterThan(0);
  });
});
