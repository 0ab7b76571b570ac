import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { SinkError } from '../../errors.js';
import { metricEventJson } from '../../metrics/metric-event-row.js';
import { clickHouseErrorType, isRetriableClickHouseError } from './clickhouse-errors.js';
import { insertJsonLines } from './client.js';

// The row shape travels on the metric topic too, so it lives with the metric event.
export {
  type MetricEventRow,
  metricEventJson,
  toClickHouseTime,
  toMetricEventRow,
} from '../../metrics/metric-event-row.js';

/**
 * Writes metric events to ClickHouse as JSONEachRow bytes (`insertJsonLines`): each event's row as the metric
 * topic carried it, or serialised here when that text is not given. The body is joined on the event loop,
 * in chunks of `chunkRows` so that the loop gets a turn between them (Kafka heartbeats, HTTP probes); the
 * engine parses it on its own threads (bench/insert-block.ts has the stalls per chunk size).
 */
export class MetricEventStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly table = 'entityMetricEvents',
    private readonly chunkRows = 50_000,
  ) {}

  /** `json`: each event's row as the metric topic carried it, sent as it is instead of serialised again. */
  async insert(events: readonly EntityMetricEvent[], json?: readonly string[]): Promise<void> {
    for (let i = 0; i < events.length; i += this.chunkRows) {
      const rows =
        json?.length === events.length
          ? json.slice(i, i + this.chunkRows)
          : events.slice(i, i + this.chunkRows).map(metricEventJson);
      try {
        await insertJsonLines(this.client, this.table, Buffer.from(rows.join('\n')));
      } catch (cause) {
        const type = clickHouseErrorType(cause);
        throw new SinkError(
          'clickhouse',
          `insert of ${rows.length} rows into ${this.table} failed${type ? ` (${type})` : ''}: ${(cause as Error)?.message ?? cause}`,
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
