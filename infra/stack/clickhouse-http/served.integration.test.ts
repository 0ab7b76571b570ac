// The stack's served ClickHouse under concurrent use by separate processes: writers insert known rows,
// a reader aggregates all the while, and the totals at the end are exact. Also query parameters of the
// types the client formats itself, errors as ClickHouseError, and the metric totals read `metrics drift` does.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type ClickHouseClient, ClickHouseError, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import {
  ensureMetricEventTable,
  MetricEventStore,
  openClickHouse,
  readMetricTotals,
} from '@engagement/event-bus/sinks/clickhouse';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../paths.js';

const url = inject('stackEnv').CLICKHOUSE_URL as string;
const table = `served_load_${process.pid}_${Date.now()}`;
const fixture = (name: string) => join(repoRoot, 'infra/stack/clickhouse-http/fixtures', name);
let client: ClickHouseClient;

function child(script: string, args: string[]): { proc: ChildProcess; output: Promise<string> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture(script), ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d));
    proc.stderr?.on('data', (d: Buffer) => (err += d));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
  return { proc, output };
}

beforeAll(async () => {
  expect(url, 'the stack env must carry the served CLICKHOUSE_URL').toMatch(/^http:\/\//);
  client = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  await client.command({
    query: `CREATE TABLE ${table} (writer UInt8, seq UInt32, value UInt64) ENGINE = MergeTree ORDER BY (writer, seq)`,
  });
});
afterAll(async () => {
  await client?.command({ query: `DROP TABLE IF EXISTS ${table}` });
  await client?.close();
});

describe('served ClickHouse', () => {
  it('keeps exact totals under concurrent writer and reader processes', async () => {
    const [writers, batches, rows] = [3, 20, 500];
    const reader = child('load-reader.ts', [url, table]);
    const written = Array.from(
      { length: writers },
      (_, w) => child('load-writer.ts', [url, table, String(w + 1), String(batches), String(rows)]).output,
    );
    // This process reads too, while the others write.
    let ownReads = 0;
    let settled = false;
    const allWritten = Promise.all(written).finally(() => (settled = true));
    while (!settled) {
      const rs = await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
      expect(Number((await rs.json<{ n: string }>())[0]?.n)).toBeLessThanOrEqual(writers * batches * rows);
      ownReads++;
    }
    const results = (await allWritten).map((out) => JSON.parse(out) as { rows: number; sum: number });
    reader.proc.stdin?.end();
    const read = JSON.parse(await reader.output) as { reads: number; last: number; monotonic: boolean };

    const expectedRows = results.reduce((s, r) => s + r.rows, 0);
    const expectedSum = results.reduce((s, r) => s + r.sum, 0);
    expect(expectedRows).toBe(writers * batches * rows);
    const rs = await client.query({
      query: `SELECT count() AS n, sum(value) AS s, uniqExact(writer, seq) AS u FROM ${table}`,
      format: 'JSONEachRow',
    });
    const [totals] = await rs.json<{ n: string; s: string; u: string }>();
    expect({ n: Number(totals?.n), s: Number(totals?.s), u: Number(totals?.u) }).toEqual({
      n: expectedRows,
      s: expectedSum,
      u: expectedRows,
    });
    expect(read.monotonic).toBe(true);
    expect(read.reads).toBeGreaterThan(1);
    expect(ownReads).toBeGreaterThan(1);
  });

  it('binds parameters as a server does: arrays, quotes, backslashes, DateTime64, UInt64, Identifier', async () => {
    const rs = await client.query({
      query: `SELECT {s:String} AS s, {arr:Array(String)} AS arr, toString({d:DateTime64(3)}) AS d,
                     toString({u:UInt64}) AS u, (SELECT count() FROM {t:Identifier} WHERE has({ws:Array(UInt8)}, writer)) AS n`,
      query_params: {
        s: "it's a \\ \t test",
        arr: ["a'b", 'c\\d', ''],
        d: new Date('2024-01-02T03:04:05.678Z'),
        u: '18446744073709551615',
        t: table,
        ws: [1, 3],
      },
      format: 'JSONEachRow',
      clickhouse_settings: { session_timezone: 'UTC' },
    });
    const [row] = await rs.json<Record<string, unknown>>();
    expect(row).toEqual({
      s: "it's a \\ \t test",
      arr: ["a'b", 'c\\d', ''],
      d: '2024-01-02 03:04:05.678',
      u: '18446744073709551615',
      n: expect.anything(),
    });
    expect(Number(row?.n)).toBe(2 * 20 * 500);
  });

  it('takes query parameters far longer than 16 KB in the URL, as a server does (up to 1 MiB)', async () => {
    // A roll's cut map on a stack that many test topics wrote to: 172 origins made a URL past Node's 16 KB.
    const cuts = Object.fromEntries(
      Array.from({ length: 2_000 }, (_, i) => [`eh-some-test-topic-${i}.public.ImageReaction:${i % 3}`, i]),
    );
    const rs = await client.query({
      query: 'SELECT length(mapKeys({cuts:Map(String, UInt64)})) AS n',
      query_params: { cuts },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: 2_000 }]);
  });

  it('runs requests in parallel', async () => {
    // sleep() holds a query without using CPU: serialized, four take at least 4 s whatever the load; two at a
    // time take 2 s, all four 1 s. Any bound below 4 s tells serial from parallel; 3.5 s leaves a loaded
    // machine room (this bound was 2.5 s).
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 4 }, () => client.command({ query: 'SELECT sleep(1)' })));
    expect(Date.now() - t0).toBeLessThan(3_500);
  });

  it('keeps the settings of concurrent requests apart', async () => {
    const sizes = Array.from({ length: 24 }, (_, i) => 1000 + i);
    const seen = await Promise.all(
      sizes.map(async (size) => {
        const rs = await client.query({
          query: "SELECT toUInt64(getSetting('max_block_size')) AS v, sleepEachRow(0.01) FROM numbers(3)",
          format: 'JSONEachRow',
          clickhouse_settings: { max_block_size: String(size) },
        });
        return [...new Set((await rs.json<{ v: string }>()).map((r) => Number(r.v)))];
      }),
    );
    expect(seen).toEqual(sizes.map((size) => [size]));
  });

  it('reports engine errors as ClickHouseError with the code and type a server gives', async () => {
    const unknown = await client
      .query({ query: 'SELECT * FROM no_such_table_here' })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ClickHouseError);
    expect(unknown).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    const badParam = await client
      .query({ query: 'SELECT {n:UInt8}', query_params: { n: 'not a number' } })
      .catch((e: unknown) => e);
    expect(badParam).toMatchObject({ code: '457', type: 'BAD_QUERY_PARAMETER' });
    // The connection stays usable after errors.
    expect(await client.ping()).toEqual({ success: true });
  });

  it('serves gzip requests and responses when the client asks for them', async () => {
    const gz = createClient({
      url,
      compression: { request: true, response: true },
      username: 'x',
      password: 'y',
    });
    try {
      await gz.insert({ table, values: [{ writer: 9, seq: 0, value: 7 }], format: 'JSONEachRow' });
      const rs = await gz.query({
        query: `SELECT sum(value) AS s FROM ${table} WHERE writer = 9`,
        format: 'JSON',
      });
      expect(Number((await rs.json<{ s: string }>()).data[0]?.s)).toBe(7);
    } finally {
      await gz.close();
    }
  });

  it('answers the metric totals read of `metrics drift` through openClickHouse({ url })', async () => {
    const ch = await openClickHouse({ url });
    try {
      await ensureMetricEventTable(ch);
      const entityType = `ServedModel_${process.pid}_${Date.now()}`;
      const createdAt = new Date(Date.now() - 60_000);
      await new MetricEventStore(ch).insert(
        [1, 1, 2].map((entityId, i) => ({
          eventId: `${entityType}/${i}`,
          entityType,
          entityId,
          userId: 0,
          metricType: 'likeCount',
          metricValue: 1,
          createdAt,
          origin: entityType,
          originSeq: i + 1,
        })),
      );
      const totals = await readMetricTotals(ch, {
        entityType,
        entityIds: [1, 2, 3],
        metricTypes: ['likeCount'],
        timeframes: ['day', 'all'],
      });
      expect(totals.map((t) => [t.entityId, t.totals.likeCount])).toEqual([
        [1, { day: 2, all: 2 }],
        [2, { day: 1, all: 1 }],
        [3, { day: 0, all: 0 }],
      ]);
    } finally {
      await ch.close();
    }
  });
});
