import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Producer } from 'kafkajs';
import { clickhouseSourceTopic, DEFAULT_CLICKHOUSE_TOPIC_PREFIX } from './routes.js';
import type { ClickHouseSourceTable } from './source-tables.js';

/** A source row as written: column → value (DateTime64 as 'YYYY-MM-DD hh:mm:ss.fff' UTC or a Date). */
export type ClickHouseSourceRow = Record<string, unknown>;

export interface ClickHouseRowPublisherOptions {
  clickhouse: ClickHouseClient;
  producer: Producer;
  /** Topic prefix; tests use a run-unique one. Default `clickhouse`. */
  topicPrefix?: string;
}

/**
 * The local stand-in for production's Kafka-engine export: inserts rows into a ClickHouse source table,
 * reads them back as stored and publishes each as one JSONEachRow message to the table's topic, which
 * is what the export materialized view does in production (the embedded engine has no Kafka engine).
 * Rows without an id get a UUID, so a replay of the same message is recognisable downstream.
 * Not atomic: a publish that fails after the insert leaves the rows unpublished; `republish` the returned
 * rows (calling `publish` again would insert them a second time).
 */
export class ClickHouseRowPublisher {
  readonly #clickhouse: ClickHouseClient;
  readonly #producer: Producer;
  readonly #prefix: string;

  constructor(options: ClickHouseRowPublisherOptions) {
    this.#clickhouse = options.clickhouse;
    this.#producer = options.producer;
    this.#prefix = options.topicPrefix ?? DEFAULT_CLICKHOUSE_TOPIC_PREFIX;
  }

  /** The topic rows of `table` are published to. */
  topic(table: ClickHouseSourceTable): string {
    return clickhouseSourceTopic(table, this.#prefix);
  }

  /** Inserts `rows`, publishes them as stored, and returns the stored rows (JSONEachRow objects). */
  async publish(
    table: ClickHouseSourceTable,
    rows: readonly ClickHouseSourceRow[],
  ): Promise<ClickHouseSourceRow[]> {
    if (rows.length === 0) return [];
    const withIds = rows.map((row) => ({ ...row, [table.idColumn]: row[table.idColumn] ?? randomUUID() }));
    await this.#clickhouse.insert({
      table: table.table,
      values: withIds.map((row) => toInsertable(row)),
      format: 'JSONEachRow',
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
    const stored = await this.#read(
      table,
      withIds.map((row) => String(row[table.idColumn])),
    );
    await this.republish(table, stored);
    return stored;
  }

  /**
   * Publishes rows already stored (as `publish` returned them) without inserting them again: what the
   * production export does when it delivers a row twice. The host counts such a copy once (the re-send
   * filter knows each row's first position by its id).
   */
  async republish(table: ClickHouseSourceTable, stored: readonly ClickHouseSourceRow[]): Promise<void> {
    if (stored.length === 0) return;
    await this.#producer.send({
      topic: this.topic(table),
      messages: stored.map((row) => ({ key: String(row[table.idColumn]), value: JSON.stringify(row) })),
    });
  }

  async #read(table: ClickHouseSourceTable, ids: string[]): Promise<ClickHouseSourceRow[]> {
    const result = await this.#clickhouse.query({
      query: `SELECT * FROM ${table.table} WHERE ${table.idColumn} IN {ids:Array(String)} ORDER BY ${table.timestampColumn}`,
      query_params: { ids },
      format: 'JSONEachRow',
    });
    const stored = await result.json<ClickHouseSourceRow>();
    if (stored.length !== new Set(ids).size) {
      throw new Error(`${table.table}: inserted ${ids.length} row(s) but read back ${stored.length}`);
    }
    return stored;
  }
}

/** Dates become ClickHouse's UTC text form, so a DateTime64(3) keeps its milliseconds. */
function toInsertable(row: ClickHouseSourceRow): ClickHouseSourceRow {
  const out: ClickHouseSourceRow = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : v;
  }
  return out;
}
