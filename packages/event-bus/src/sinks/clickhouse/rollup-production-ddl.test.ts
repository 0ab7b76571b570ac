import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rollupDdl } from './rollup-schema.js';

// infra/clickhouse/production/0003_read_rollup.sql stays plain SQL: operators run it ON CLUSTER before they
// deploy hosts, between migration steps written around it. Its statements must still be rollupDdl's with the
// replicated engines, which this test holds it to.
const productionSql = readFileSync(
  new URL('../../../../../infra/clickhouse/production/0003_read_rollup.sql', import.meta.url),
  'utf8',
);

/** Statements without comments, with white space folded (column alignment differs, nothing else may). */
function statements(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, '')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').replace(/ ,/g, ',').trim())
    .filter((s) => s.length > 0);
}

describe('the production rollup DDL (infra/clickhouse/production/0003_read_rollup.sql)', () => {
  it('creates the tables and the view rollupDdl creates, replicated and ON CLUSTER', () => {
    const replicated = rollupDdl('entityMetricEvents', {
      onCluster: "'{cluster}'",
      engine: (kind) =>
        `ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/entityMetricEvents_${kind}', '{replica}')`,
    });
    expect(statements(productionSql)).toEqual(replicated.flatMap(statements));
  });
});
