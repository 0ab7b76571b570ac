import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import {
  type ClickHouseClient,
  type ClickHouseSettings,
  createClient,
  type Logger,
} from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf, openTempChDB } from '../../../test/temp-chdb.js';
import { bulkWorkSettings, insertJsonLines, openClickHouse } from './client.js';

// Watches this process's threads (/proc/self/task), every millisecond until told to stop, and reports the highest nice value
// any of them had and the names of the threads that had it.
const WATCHER = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const stop = new Int32Array(workerData);
let max = 0;
const names = new Set();
while (Atomics.load(stop, 0) === 0) {
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      if (nice > max) { max = nice; names.clear(); }
      if (nice === max && nice > 0) names.add(fs.readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').trim());
    } catch {}
  }
  Atomics.wait(stop, 0, 0, 1);
}
parentPort.postMessage({ max, names: [...names] });
`;

/** CAP_SYS_NICE (bit 23) in this process's effective capabilities: ClickHouse sets nice values only with it. */
function canRenice(): boolean {
  try {
    const hex = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return hex !== undefined && (BigInt(`0x${hex}`) & (1n << 23n)) !== 0n;
  } catch {
    return false;
  }
}

// First in the file: an engine thread keeps the nice value of its last task, so after the bulk insert below
// a pool thread reused for a merge would be at 19 whatever the merge setting says.
describe('background merges on the embedded engine', () => {
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = await openTempChDB('merges');
  });
  afterAll(() => client.close());

  it('are configured for nice 19 when the engine starts (a server setting, not a query setting)', async () => {
    const result = await client.query({
      query: `SELECT value FROM system.server_settings WHERE name = 'os_threads_nice_value_merge_mutate'`,
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ value: '19' }]);
  });

  it.skipIf(!canRenice())(
    'run on threads at nice 19',
    async () => {
      await client.command({ query: 'CREATE TABLE m (a UInt64, s String) ENGINE = MergeTree ORDER BY a' });
      const stop = new SharedArrayBuffer(4);
      const watcher = new Worker(WATCHER, { eval: true, workerData: stop });
      const seen = new Promise<{ max: number; names: string[] }>((resolve) =>
        watcher.once('message', resolve),
      );
      // Parts inserted at normal priority (no bulk settings), merged by the engine in the background.
      for (let part = 0; part < 8; part++) {
        await client.command({
          query: `INSERT INTO m SELECT number + ${part * 200_000}, repeat('x', 40) FROM numbers(200000)`,
        });
      }
      const active = () =>
        countOf(client, `SELECT count() AS n FROM system.parts WHERE table = 'm' AND active`);
      while ((await active()) >= 8) await new Promise((resolve) => setTimeout(resolve, 50));
      Atomics.store(new Int32Array(stop), 0, 1);
      const during = await seen;
      await watcher.terminate();

      expect(during.max).toBe(19);
      expect(during.names).toContain('MergeMutate');
    },
    60_000,
  );
});

describe('bulk work on the embedded engine', () => {
  // One embedded engine per process: both tests use this one.
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = await openTempChDB('bulk-work');
  });
  afterAll(() => client.close());

  it('asks for low CPU priority on the embedded engine only', async () => {
    expect(bulkWorkSettings(client)).toMatchObject({ os_threads_nice_value_query: 19 });
    const server = createClient({ url: 'http://127.0.0.1:1' });
    expect(bulkWorkSettings(server)).toEqual({});
    await server.close();
  });

  it.skipIf(!canRenice())(
    'runs an insert on threads at nice 19, then leaves the threads as they were',
    async () => {
      await client.command({ query: 'CREATE TABLE t (a UInt64, s String) ENGINE = MergeTree ORDER BY a' });
      const rows = 300_000;
      const body = Buffer.from(
        Array.from({ length: rows }, (_, i) =>
          JSON.stringify({ a: i, s: `row ${i} ${'x'.repeat(40)}` }),
        ).join('\n'),
      );
      const stop = new SharedArrayBuffer(4);
      const watcher = new Worker(WATCHER, { eval: true, workerData: stop });
      const seen = new Promise<{ max: number; names: string[] }>((resolve) =>
        watcher.once('message', resolve),
      );
      await insertJsonLines(client, 't', body);
      Atomics.store(new Int32Array(stop), 0, 1);
      const during = await seen;
      await watcher.terminate();

      expect(during.max).toBe(19);
      expect(during.names).toContain('ChunkParser');
      expect(await countOf(client, 'SELECT count() AS n FROM t')).toBe(rows);
      // Node's own threads (the event loop, V8's helpers, libuv's pool, on which the insert was started) are
      // back at 0 afterwards. (An engine pool thread may keep 19 until its next query.)
      for (const tid of readdirSync('/proc/self/task')) {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
        if (comm === 'node') expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])).toBe(0);
      }
    },
    // The insert yields to everything else on a loaded machine: that is the point.
    60_000,
  );
});

describe('settings of one call on the embedded engine', () => {
  let client: ClickHouseClient;
  beforeAll(async () => {
    client = await openTempChDB('call-settings');
  });
  afterAll(() => client.close());

  const setting = async (name: string, settings?: ClickHouseSettings) => {
    const result = await client.query({
      query: `SELECT toString(getSetting({name:String})) AS v`,
      query_params: { name },
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    });
    return ((await result.json()) as { v: string }[])[0]!.v;
  };

  it('apply to that call only, as on a server (chDB keeps a SET for the whole session)', async () => {
    const threads = await setting('max_threads');
    const sync = await setting('mutations_sync');
    expect(await setting('max_threads', { max_threads: 1, mutations_sync: '2' })).toBe('1');
    expect([await setting('max_threads'), await setting('mutations_sync')]).toEqual([threads, sync]);
    // The roll's bulk work leaves later reads at their normal CPU priority.
    await client.command({ query: 'SELECT 1', clickhouse_settings: bulkWorkSettings(client) });
    expect(await setting('os_threads_nice_value_query')).toBe('0');
  });

  it('stay with their own call when calls are made at once', async () => {
    const values = await Promise.all(
      [1, 3, undefined, 2, undefined].map((n) =>
        setting('max_threads', n === undefined ? undefined : { max_threads: n }),
      ),
    );
    const threads = await setting('max_threads');
    expect(values).toEqual(['1', '3', threads, '2', threads]);
  });
});

describe('inserting JSON lines into a server', () => {
  it('reads each answer to its end: closing the client leaves no warning of unread responses', async () => {
    // A stand-in for ClickHouse's HTTP interface: an INSERT is answered 200 with an empty body.
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'X-ClickHouse-Summary': '{}' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const warnings: string[] = [];
    class Recording implements Logger {
      trace() {}
      debug() {}
      info() {}
      warn({ message }: { message: string }) {
        warnings.push(message);
      }
      error({ message }: { message: string }) {
        warnings.push(message);
      }
    }
    const { port } = server.address() as AddressInfo;
    const client = createClient({ url: `http://127.0.0.1:${port}`, log: { LoggerClass: Recording } });
    try {
      for (let i = 0; i < 3; i++) await insertJsonLines(client, 't', Buffer.from(`{"a":${i}}\n`));
    } finally {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(bodies).toEqual(['{"a":0}\n', '{"a":1}\n', '{"a":2}\n']);
    expect(warnings).toEqual([]);
  });
});

describe('a server client with a long request timeout', () => {
  it('asks for progress headers, spaced so that a request until its timeout sends at most ~50', async () => {
    const urls: string[] = [];
    const server = createServer((req, res) => {
      urls.push(req.url ?? '');
      req.resume().on('end', () => res.writeHead(200, { 'X-ClickHouse-Summary': '{}' }).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const settingsSent = async (requestTimeoutMs?: number) => {
      const client = await openClickHouse({ url, requestTimeoutMs });
      await client.command({ query: 'SELECT 1' });
      await client.close();
      const params = new URL(urls.at(-1)!, url).searchParams;
      return [params.get('send_progress_in_http_headers'), params.get('http_headers_progress_interval_ms')];
    };
    try {
      expect(await settingsSent(300_000)).toEqual(['1', '30000']);
      expect(await settingsSent(86_400_000)).toEqual(['1', '1728000']);
      // Within the client's own 30 s default, nothing is asked.
      expect(await settingsSent(20_000)).toEqual([null, null]);
      expect(await settingsSent()).toEqual([null, null]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
