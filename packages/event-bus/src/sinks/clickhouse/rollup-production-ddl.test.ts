import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CREATED_INDEX_COMPLETE, createdIndexDdl, createdIndexMarkSql } from './created-index.js';
import { DAILY_COMPRESS_BLOCKS, rollupDdl, rollupMigrations } from './rollup-schema.js';

// infra/clickhouse/production/0003_read_rollup.sql stays plain SQL: operators run it ON CLUSTER before they
// deploy hosts, between migration steps written around it. Its statements must still be rollupDdl's with the
// replicated engines, which this test holds it to.
const production = (file: string) =>
  readFileSync(new URL(`../../../../../infra/clickhouse/production/${file}`, import.meta.url), 'utf8');
const productionSql = production('0003_read_rollup.sql');

/** Statements without comments, with white space folded (column alignment differs, nothing else may). */
function statements(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, '')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').replace(/ ,/g, ',').trim())
    .filter((s) => s.length > 0);
}

describe('the production ClickHouse DDL (infra/clickhouse/production)', () => {
  it('creates the tables and the view rollupDdl creates, replicated and ON CLUSTER', () => {
    const replicated = rollupDdl('entityMetricEvents', {
      onCluster: "'{cluster}'",
      engine: (kind) =>
        `ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/entityMetricEvents_${kind}', '{replica}')`,
    });
    expect(statements(productionSql)).toEqual(replicated.flatMap(statements));
  });

  it('0007 gives a daily table made before it the compressed block sizes rollupDdl now creates it with', () => {
    expect(statements(production('0007_daily_small_blocks.sql'))).toEqual([
      `ALTER TABLE entityMetricEvents_daily ON CLUSTER '{cluster}' MODIFY SETTING ${DAILY_COMPRESS_BLOCKS}`,
    ]);
    expect(rollupDdl().join('\n')).toContain(`SETTINGS index_granularity = 256, ${DAILY_COMPRESS_BLOCKS}`);
    // 0004 set the sizes before these; 0007 replaces them, so 0004 may run before it or not at all.
    expect(statements(production('0004_daily_compress_blocks.sql'))).toEqual([
      "ALTER TABLE entityMetricEvents_daily ON CLUSTER '{cluster}' MODIFY SETTING min_compress_block_size = 16384, max_compress_block_size = 65536",
    ]);
  });

  it('0005 adds to a rolls table made before it the columns rollupMigrations adds', () => {
    expect(statements(production('0005_rollup_compaction.sql'))).toEqual(
      rollupMigrations('entityMetricEvents', "'{cluster}'").flatMap(statements),
    );
  });

  it('0006 creates the index by creation time createdIndexDdl creates, replicated and ON CLUSTER', () => {
    const sql = production('0006_created_index.sql');
    expect(statements(sql)).toEqual(
      createdIndexDdl('entityMetricEvents', {
        onCluster: "'{cluster}'",
        engine:
          "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/entityMetricEvents_created', '{replica}')",
      }).flatMap(statements),
    );
    // Its step 4, in comments, is the marker insert the code writes.
    const stepFour = sql
      .slice(sql.indexOf('-- 4.'))
      .split('\n')
      .filter((line) => line.startsWith('--      '))
      .slice(0, 2)
      .map((line) => line.slice(2))
      .join('\n');
    expect(statements(stepFour)).toEqual(
      statements(createdIndexMarkSql('entityMetricEvents_created', CREATED_INDEX_COMPLETE)),
    );
  });
});
