import type { Readable } from 'node:stream';
import type { ClickHouseSettings } from '@clickhouse/client';
import type { ChdbConnection, ConnBaseQueryParams, Connection } from 'chdb/connection';

/**
 * chDB's connection turns a call's `clickhouse_settings` into `SET` statements on its one session, so they
 * stayed in force for every later call of the process: after the first roll, every read ran at nice 19 (the
 * roll's bulk setting) and every mutation with the `mutations_sync` of its housekeeping. A server applies them
 * to the one query. This wrapper makes the embedded engine do the same: each call sets its own settings and
 * puts back the default of every setting an earlier call set, in one statement list ahead of its SQL.
 *
 * Calls are passed on one at a time, in the order they were made, so that the settings in force are always
 * those of the call running. chDB runs one statement list at a time per session anyway (a query waits for
 * the one before it), so this takes no parallelism away. Its own raw insert puts its settings in the
 * statement (`SETTINGS …`) and is not affected.
 */
export function settingsPerCall(connection: ChdbConnection): Connection<Readable> & {
  chdb: ChdbConnection['chdb'];
} {
  const seen = new Set<string>();
  let last: Promise<unknown> = Promise.resolve();
  const inOrder = <P extends ConnBaseQueryParams, R>(call: (params: P) => Promise<R>) => {
    return (params: P): Promise<R> => {
      const run = () => call.call(connection, withSettingsInSql(params, seen));
      const result = last.then(run, run);
      last = result.catch(() => undefined);
      return result;
    };
  };
  return {
    query: inOrder(connection.query),
    exec: inOrder(connection.exec),
    command: inOrder(connection.command),
    insert: inOrder(connection.insert),
    ping: (params) => connection.ping(params),
    close: () => connection.close(),
    get chdb() {
      return connection.chdb;
    },
  };
}

/** Settings chDB's connection takes as options of the call rather than as `SET`s. */
const CALL_OPTIONS = new Set(['default_format']);

function withSettingsInSql<P extends ConnBaseQueryParams>(params: P, seen: Set<string>): P {
  const own: ClickHouseSettings = {};
  const mine = new Set<string>();
  const statements: string[] = [];
  for (const [name, value] of Object.entries(params.clickhouse_settings ?? {})) {
    if (value === undefined) continue;
    mine.add(name);
    if (CALL_OPTIONS.has(name)) {
      (own as Record<string, unknown>)[name] = value;
      continue;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new Error(`invalid setting name ${JSON.stringify(name)}`);
    statements.push(`SET ${name} = ${literal(value)}`);
  }
  for (const name of seen) if (!mine.has(name)) statements.push(`SET ${name} = DEFAULT`);
  for (const name of mine) if (!CALL_OPTIONS.has(name)) seen.add(name);
  if (statements.length === 0) return { ...params, clickhouse_settings: own };
  return { ...params, query: `${statements.join('; ')}; ${params.query}`, clickhouse_settings: own };
}

function literal(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  // A ClickHouse string literal: a quote is written twice, a backslash escaped.
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
