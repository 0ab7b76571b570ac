import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { SinkError } from '../../errors.js';
import { type MetricEventRow, toMetricEventRow } from '../../metrics/metric-event-row.js';
import { clickHouseErrorType, isRetriableClickHouseError } from './clickhouse-errors.js';
import { EncodedRow } from './encoded-row.js';

// The row shape travels on the metric topic too, so it lives with the metric event.
export {
  type MetricEventRow,
  metricEventJson,
  toClickHouseTime,
  toMetricEventRow,
} from '../../metrics/metric-event-row.js';

/**
 * Writes metric events to ClickHouse in chunks. The client builds each insert's body on the event loop (and
 * embedded chDB copies it there), so a large flush is split and the event loop gets a turn between chunks
 * (Kafka heartbeats, HTTP probes). Larger chunks cost less CPU per row but stall longer (bench/insert-block.ts).
 */
export class MetricEventStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly table = 'entityMetricEvents',
    private readonly chunkRows = 5_000,
  ) {}

  /** `json`: each event's row as the metric topic carried it, sent as it is instead of serialised again. */
  async insert(events: readonly EntityMetricEvent[], json?: readonly string[]): Promise<void> {
    for (let i = 0; i < events.length; i += this.chunkRows) {
      const values: readonly (EncodedRow | MetricEventRow)[] =
        json?.length === events.length
          ? json.slice(i, i + this.chunkRows).map((text) => new EncodedRow(text))
          : events.slice(i, i + this.chunkRows).map(toMetricEventRow);
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
