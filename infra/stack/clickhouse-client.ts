import { type ClickHouseClient, type ClickHouseClientConfigOptions, createClient } from '@clickhouse/client';

export interface ClickHouseSettings {
  CLICKHOUSE_URL?: string;
  CLICKHOUSE_PATH?: string;
}

/**
 * One client API for both modes: a remote server when CLICKHOUSE_URL is set, otherwise the
 * embedded chDB engine at CLICKHOUSE_PATH. chDB binds one data path per process and runs
 * queries on the calling thread, so a process should open it once and keep the client.
 */
export async function openClickHouse(settings: ClickHouseSettings): Promise<ClickHouseClient> {
  if (settings.CLICKHOUSE_URL) return createClient({ url: settings.CLICKHOUSE_URL });
  if (!settings.CLICKHOUSE_PATH) throw new Error('neither CLICKHOUSE_URL nor CLICKHOUSE_PATH is set');
  // Loaded lazily so that remote users never load the native engine.
  const { createChdbConnection } = await import('chdb/connection');
  // chdb types its Connection against @clickhouse/client-common, which @clickhouse/client 1.23
  // re-declares under its own dist; the shapes match, the declarations do not.
  const connection = createChdbConnection({
    path: settings.CLICKHOUSE_PATH,
  }) as unknown as ClickHouseClientConfigOptions['connection'];
  return createClient({ connection });
}

/** Statements of a DDL file, split on a `;` ending a line; `--` comment lines are dropped. */
export function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}
