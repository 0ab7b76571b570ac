import type { ClickHouseClient } from '@clickhouse/client';
import type { MetricTruth } from '@engagement/plugin-api';
import { SinkError } from '../errors.js';

/** The part of a Postgres client truth queries need (`pg.Client`, `pg.PoolClient` and `pg.Pool` fit). */
export interface TruthQueryable {
  query(text: string, values: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** One group of a truth: what the stored events of this entity, metric and `createdAt` must sum to. */
export interface TruthRow {
  entityId: number;
  metricType: string;
  createdAtMs: number;
  value: number;
}

export interface ReadTruthOptions {
  /** Runs the Postgres truths and every lookup; pass a client inside the snapshot to compare against. */
  postgres: TruthQueryable;
  /** Runs the ClickHouse truths; required when some are given. */
  clickhouse?: ClickHouseClient;
  truths: readonly MetricTruth[];
  entityIds: readonly number[];
  /** ClickHouse truths count only rows created before this time. */
  clickhouseBefore: Date;
  /** Keep only these metrics (default: every metric of the truths). */
  metrics?: ReadonlySet<string>;
}

/**
 * Runs the truths for some entities of one type and returns their non-zero groups. Truths are run one after
 * the other on the given clients, so a Postgres client inside a REPEATABLE READ transaction reads them all
 * (and the lookups of the ClickHouse ones) from one snapshot.
 */
export async function readTruth(options: ReadTruthOptions): Promise<TruthRow[]> {
  const out: TruthRow[] = [];
  if (options.entityIds.length === 0) return out;
  const ids = [...options.entityIds];
  for (const truth of options.truths) {
    if (options.metrics && !truth.metrics.some((m) => options.metrics!.has(m))) continue;
    const rows =
      truth.source === 'postgres'
        ? (await options.postgres.query(truth.sql, [ids])).rows
        : await clickhouseRows(truth, options, ids);
    for (const r of rows) {
      const row = {
        entityId: Number(r.entityId),
        metricType: String(r.metricType),
        createdAtMs: Number(r.createdAtMs),
        value: Number(r.value),
      };
      if (!truth.metrics.includes(row.metricType)) {
        throw new TypeError(
          `a ${truth.entityType} truth returned metric "${row.metricType}", which it does not declare`,
        );
      }
      if (!Number.isSafeInteger(row.createdAtMs) || !Number.isSafeInteger(row.value)) {
        throw new TypeError(`a ${truth.entityType} truth returned a non-integer row: ${JSON.stringify(r)}`);
      }
      if (row.value !== 0 && (!options.metrics || options.metrics.has(row.metricType))) out.push(row);
    }
  }
  return out;
}

async function clickhouseRows(
  truth: MetricTruth,
  options: ReadTruthOptions,
  ids: number[],
): Promise<Record<string, unknown>[]> {
  if (!options.clickhouse) throw new TypeError(`a ${truth.entityType} truth needs a ClickHouse client`);
  const params: Record<string, unknown> = { ids, before: options.clickhouseBefore.getTime() };
  for (const [name, sql] of Object.entries(truth.lookups ?? {})) {
    const { rows } = await options.postgres.query(sql, [ids]);
    params[name] = new Map(rows.map((r) => [Number(r.key), Number(r.value)]));
  }
  try {
    const result = await options.clickhouse.query({
      query: truth.sql,
      query_params: params,
      format: 'JSONEachRow',
    });
    return await result.json<Record<string, unknown>>();
  } catch (cause) {
    throw new SinkError(
      'clickhouse',
      `truth query of ${truth.entityType} failed: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
