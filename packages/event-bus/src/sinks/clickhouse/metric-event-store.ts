import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { SinkError } from '../../errors.js';
import { type JsonLines, toJsonLines } from '../../metrics/json-lines.js';
import { metricEventJson } from '../../metrics/metric-event-row.js';
import { clickHouseErrorType, isRetriableClickHouseError } from './clickhouse-errors.js';
import { insertJsonLines } from './client.js';

// The row shape travels on the metric topic too, so it lives with the metric event.
export { type JsonLines, toJsonLines } from '../../metrics/json-lines.js';
export {
  type MetricEventRow,
  metricEventJson,
  toClickHouseTime,
  toMetricEventRow,
} from '../../metrics/metric-event-row.js';

/**
 * Writes metric events to ClickHouse as JSONEachRow bytes (`insertJsonLines`): the rows as the metric topic
 * carried them, one insert per block the ingest stage hands over (segments of its `JsonLinesBuffer`, sent as
 * they are: copying two 7 MB blocks into one took 25–42 ms of the event loop), or serialised here, in chunks
 * of `chunkRows`, when not given. The event loop gets a turn between inserts (Kafka heartbeats, HTTP probes);
 * the engine parses them on its own threads (bench/insert-block.ts).
 */
export class MetricEventStore {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly table = 'entityMetricEvents',
    private readonly chunkRows = 50_000,
  ) {}

  /**
   * `lines`: every event's row, as blocks of JSONEachRow bytes; each block is sent as one insert. Blocks that
   * do not hold one row per event are not used (the events are serialised instead), so the table gets exactly
   * the events whatever a caller hands over.
   */
  async insert(events: readonly EntityMetricEvent[], given?: readonly JsonLines[]): Promise<void> {
    let rows = 0;
    for (const block of given ?? []) rows += block.rows;
    if (given && rows === events.length) return this.insertLines(given);
    const count = Math.ceil(events.length / this.chunkRows);
    for (let c = 0; c < count; c++) {
      if (c > 0) await new Promise((r) => setImmediate(r));
      await this.send(
        toJsonLines(events.slice(c * this.chunkRows, (c + 1) * this.chunkRows).map(metricEventJson)),
      );
    }
  }

  async insertLines(lines: readonly JsonLines[]): Promise<void> {
    for (let c = 0; c < lines.length; c++) {
      if (c > 0) await new Promise((r) => setImmediate(r));
      await this.send(lines[c]!);
    }
  }

  private async send({ bytes, rows }: JsonLines): Promise<void> {
    try {
      await insertJsonLines(this.client, this.table, bytes);
    } catch (cause) {
      const type = clickHouseErrorType(cause);
      throw new SinkError(
        'clickhouse',
        `insert of ${rows} rows into ${this.table} failed${type ? ` (${type})` : ''}: ${(cause as Error)?.message ?? cause}`,
        {
          cause,
          retriable: isRetriableClickHouseError(cause),
        },
      );
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
