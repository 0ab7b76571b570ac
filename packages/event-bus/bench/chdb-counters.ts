// chDB's cumulative read counters, for benches that report what a query read (chDB has no
// system.query_log, and its query summary reports result rows as read_rows): the delta of these around a
// query is what it selected from MergeTree tables, plus what reading system.events itself adds.
import type { ClickHouseClient } from '@clickhouse/client';

export async function selectedCounters(client: ClickHouseClient): Promise<{ rows: number; marks: number }> {
  const rows = await (
    await client.query({
      query: `SELECT event, value FROM system.events WHERE event IN ('SelectedRows', 'SelectedMarks')`,
      format: 'JSONEachRow',
    })
  ).json<{ event: string; value: string }>();
  const get = (e: string) => Number(rows.find((r) => r.event === e)?.value ?? 0);
  return { rows: get('SelectedRows'), marks: get('SelectedMarks') };
}
