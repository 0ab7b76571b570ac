// A throwaway embedded ClickHouse (chDB) for unit tests of the ClickHouse sink, and a count read from it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';

/** Opens chDB on a new temporary directory named after the test (`eb-<name>-…`). */
export function openTempChDB(name: string): Promise<ClickHouseClient> {
  return openClickHouse({ path: mkdtempSync(join(tmpdir(), `eb-${name}-`)) });
}

/** The `n` column of the first row of `sql` (a `SELECT count() AS n …`), as a number. */
export async function countOf(
  client: ClickHouseClient,
  sql: string,
  params?: Record<string, unknown>,
): Promise<number> {
  const rows = await (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<{
    n: string;
  }>();
  return Number(rows[0]!.n);
}

type ClientMethod = 'command' | 'query' | 'insert';

/**
 * `client` with one method replaced by `wrap(original)`, everything else untouched: tests watch, race or
 * fail what the code under test sends. `original` is bound to the real client.
 */
export function interceptClient<M extends ClientMethod>(
  client: ClickHouseClient,
  method: M,
  wrap: (original: ClickHouseClient[M]) => ClickHouseClient[M],
): ClickHouseClient {
  const replaced = wrap(client[method].bind(client) as ClickHouseClient[M]);
  return new Proxy(client, {
    get: (target, name, receiver) => (name === method ? replaced : Reflect.get(target, name, receiver)),
  });
}
