/**
 * Applies the metric event table (defined once, by the event-bus sink) and infra/clickhouse/*.sql to
 * CLICKHOUSE_URL (the stack's served engine, or a remote server), and exits. Run as a child process
 * by the ClickHouse part. With CLICKHOUSE_PATH instead it opens an embedded engine itself, which
 * only works while no server holds that directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// The app's source tables (downloads, generation jobs, compensation), likewise defined once.
import { clickhouseSourceDdl } from '../../packages/app-db/src/clickhouse/source-tables.js';
// Repo tooling may read the package's source: the table must have exactly one definition.
import { ensureMetricEventTable } from '../../packages/event-bus/src/sinks/clickhouse/schema.js';
import { openClickHouse, splitStatements } from './clickhouse-client.js';
import { clickhouseDdlDir } from './paths.js';

const client = await openClickHouse(process.env);
try {
  // With its read rollup and its index by creation time, both complete from the start on a new table (an
  // existing one is migrated: the rollup by its rolls, the index by search-sync's first flush 10 min later).
  await ensureMetricEventTable(client);
  console.log('entityMetricEvents');
  for (const statement of clickhouseSourceDdl()) await client.command({ query: statement });
  console.log('source tables');
  for (const file of readdirSync(clickhouseDdlDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    for (const statement of splitStatements(readFileSync(join(clickhouseDdlDir, file), 'utf8'))) {
      await client.command({ query: statement });
    }
    console.log(file);
  }
} finally {
  await client.close();
}
