import type { ClickHouseClient } from '@clickhouse/client';
import { SinkError } from '../../errors.js';
import type { EntityMetricEvent } from '../../metrics/entity-metric-event.js';
import { clickHouseErrorType, isRetriableClickHouseError } from './clickhouse-errors.js';

/** The row shape of the metric event table, as sent in JSONEachRow: the event with its time as text. */
export type MetricEventRow = Omit<EntityMetricEvent, 'createdAt' | 'sourceTx'> & {
  createdAt: string;
  sourceTx: number | null;
};

/** Formats a Date as ClickHouse's DateTime64(3) text in UTC. */
export function toClickHouseTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Converts a metric event into its table row. */
export function toMetricEventRow(e: EntityMetricEvent): MetricEventRow {
  return {
    eventId: e.eventId,
    entityType: e.entityType,
    entityId: e.entityId,
    userId: e.userId,
    metricType: e.metricType,
    metricValue: e.metricValue,
    createdAt: toClickHouseTime(e.createdAt),
    origin: e.origin,
    originSeq: e.originSeq,
    sourceTx: e.sourceTx ?? null,
  };
}

/**
 * Writes metric events to ClickHouse in chunks. Embedded ClickHouse inserts on the calling thread, so a
 * large flush is split and the event loop gets a turn between chunks (Kafka heartbeats, HTTP probes).
 */
export class MetricEventStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly table = 'entityMetricEvents',
    private readonly chunkRows = 20_000,
  ) {}

  async insert(events: readonly EntityMetricEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += this.chunkRows) {
      const values = events.slice(i, i + this.chunkRows).map(toMetricEventRow);
      try {
        await this.client.insert({ table: this.table, values, format: 'JSONEachRow' });
      } catch (cause) {
        const type = clickHouseErrorType(cause);
        throw new SinkError(
          'clickhouse',
          `insert of ${values.length} rows into ${this.table} failed${type ? ` (${type})` : ''}: ${(cause as Error)?.message ?? cause}`,
          {
            cause,
            retriable: isRetriableClickHouseError(cause),
          },
        );
      }
      if (i + this.chunkRows < events.length) await new Promise((r) => setImmediate(r));
    }
  }

  /** True when ClickHouse answers a trivial query. */
  async ping(): Promise<boolean> {
    try {
      const r = await this.client.ping();
      return r.success;
    } catch {
      return false;
    }
  }
}
