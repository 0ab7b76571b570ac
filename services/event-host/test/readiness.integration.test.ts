// Honest readiness and lag (issue 17): /readyz follows a broker outage both ways, a host started while
// ClickHouse is down stays up and becomes ready when it returns, and the lag gauge never reads more than
// the real lag across a restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { createEventHost, type EventHost } from '../src/host/create-event-host.js';
import type { Readiness } from '../src/http/readiness.js';
import {
  connectStack,
  createImages,
  ephemeralPort,
  hostEnv,
  openTestDatabase,
  produce,
  reactionPlan,
  type StackClients,
  sourceTopicOf,
  stackBroker,
  TEST_DATABASE,
  waitFor,
} from './host-fixtures.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLICKHOUSE_MAIN = fileURLToPath(
  new URL('../../../infra/stack/clickhouse-http/main.ts', import.meta.url),
);

let stack: StackClients;
const hosts: EventHost[] = [];
const processes: ChildProcess[] = [];

beforeAll(async () => {
  stack = await connectStack();
  await (await openTestDatabase()).close();
});

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop().catch(() => undefined);
  for (const p of processes.splice(0)) p.kill('SIGKILL');
});

afterAll(async () => {
  await stack?.close();
});

/** Host settings on the stack's served ClickHouse (no embedded engine in this process), in the tests' database. */
function envOn(name: string, overrides: Record<string, string> = {}): Record<string, string> {
  const env = hostEnv(name, {
    EVENT_HOST_CLICKHOUSE_URL: inject('stackEnv').CLICKHOUSE_URL!,
    EVENT_HOST_CLICKHOUSE_DATABASE: TEST_DATABASE,
    ...overrides,
  });
  delete env.EVENT_HOST_CLICKHOUSE_PATH;
  return env;
}

async function build(env: Record<string, string>): Promise<EventHost> {
  const host = await createEventHost({ config: loadConfig({ env }) });
  hosts.push(host);
  return host;
}

async function readyz(host: EventHost): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${host.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

describe('readiness follows the brokers', () => {
  it('turns false within seconds of the broker stopping and true again once it is back', async () => {
    // Silent: kafkajs logs every refused connection of the outage.
    const host = await build(envOn('ready-broker', { EVENT_HOST_LOG_LEVEL: 'silent' }));
    await host.start();
    await waitFor(
      () => readyz(host),
      (r) => r.status === 200,
      30_000,
      'ready before the outage',
    );

    const broker = stackBroker();
    let down: { status: number; body: Readiness } | undefined;
    let status: { readiness: Readiness; lag: { lag: number | null }[] } | undefined;
    try {
      await broker.stop();
      const stoppedAt = Date.now();
      down = await waitFor(
        () => readyz(host),
        (r) => r.status === 503,
        10_000,
        'not ready',
      );
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      status = (await (await fetch(`${host.url}/status.json`)).json()) as typeof status;
    } finally {
      await broker.start();
    }
    expect(down!.body.checks.kafka).toMatchObject({ ok: false });
    expect(down!.body.checks.kafka.detail).toMatch(/brokers unreachable/);
    expect(status!.readiness.checks.kafka.ok).toBe(false);
    // While the brokers do not answer, the lag is unknown rather than the last number.
    expect(status!.lag.every((p) => p.lag === null)).toBe(true);

    const back = await waitFor(
      () => readyz(host),
      (r) => r.status === 200,
      45_000,
      'ready after the outage',
    );
    expect(back.body.checks.kafka).toEqual({ ok: true, detail: 'brokers answer' });
  });
});

describe('a host started while ClickHouse is down', () => {
  it('stays up and not ready, then consumes once ClickHouse answers', async () => {
    const port = await ephemeralPort();
    const host = await build(
      envOn('ready-ch-down', {
        // An engine of its own, started below: its default database.
        EVENT_HOST_CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
        EVENT_HOST_CLICKHOUSE_DATABASE: 'default',
        EVENT_HOST_START_DEADLINE_MS: '60000',
      }),
    );
    let startError: unknown;
    const started = host.start().catch((e: unknown) => {
      startError = e;
    });
    await waitFor(
      async () => host.url,
      (u) => u !== undefined,
      10_000,
      'HTTP server',
    );
    const waiting = await waitFor(
      () => readyz(host),
      (r) => /waiting for ClickHouse/.test(r.body.checks.consumer.detail),
      15_000,
      'waiting for ClickHouse',
    );
    expect(waiting.status).toBe(503);
    expect(waiting.body.checks.consumer.detail).toMatch(/EVENT_HOST_START_DEADLINE_MS/);
    expect(waiting.body.checks.clickhouse.ok).toBe(false);
    expect((await fetch(`${host.url}/healthz`)).status).toBe(200);

    const served = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLICKHOUSE_MAIN,
        '--path',
        mkdtempSync(join(tmpdir(), 'eh-ch-served-')),
        '--port',
        String(port),
      ],
      { cwd: ROOT, stdio: 'ignore' },
    );
    processes.push(served);
    await started;
    expect(startError).toBeUndefined();
    await waitFor(
      () => readyz(host),
      (r) => r.status === 200,
      30_000,
      'ready once ClickHouse answers',
    );
  });

  it('exits past the start deadline with a message naming ClickHouse and the setting', async () => {
    const port = await ephemeralPort();
    const host = await build(
      envOn('ready-ch-deadline', {
        EVENT_HOST_CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
        EVENT_HOST_START_DEADLINE_MS: '2000',
      }),
    );
    const error = await host.start().then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.code).toBe('EH_START_FAILED');
    expect(error?.message).toMatch(
      /ClickHouse still unreachable after 2000 ms.*EVENT_HOST_START_DEADLINE_MS/,
    );
  });
});

describe('lag across a restart', () => {
  it('never reads more than the real lag, and has no series before it is known', async () => {
    const env = envOn('ready-lag');
    const topic = sourceTopicOf(env);
    const { imageIds } = await createImages(stack.db, 20);
    const plan = reactionPlan(imageIds, 1_800, 11);
    const first = await build(env);
    await first.start();
    await produce(stack.producer, topic, plan.records.slice(0, 1_500), { chunk: 250 });
    const committedOf = async () => {
      const [t] = await stack.admin.fetchOffsets({
        groupId: env.EVENT_HOST_KAFKA_GROUP_ID!,
        topics: [topic],
      });
      return (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    };
    await waitFor(committedOf, (n) => n === 1_500, 45_000, 'first host committed everything');
    await first.stop();

    // 300 records arrive while no host runs: the real lag of the source topic is 300 at the restart.
    await produce(stack.producer, topic, plan.records.slice(1_500), { chunk: 100 });
    const second = await build(env);
    const seen: number[] = [];
    let sampling = true;
    // Only the lag family is read: early in a process prom-client prints the event loop gauges as `Nan`.
    const sampler = (async () => {
      while (sampling) {
        const lag = (await second.metrics.text())
          .split('\n')
          .filter((l) => l.startsWith('eventhost_consumer_lag_messages{') && l.includes(`topic="${topic}"`));
        if (lag.length > 0) seen.push(lag.reduce((n, l) => n + Number(l.split(' ').pop()), 0));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      await second.start();
      await waitFor(committedOf, (n) => n === 1_800, 45_000, 'second host committed everything');
      await waitFor(
        async () => seen.at(-1),
        (v) => v === 0,
        10_000,
        'lag known and 0',
      );
    } finally {
      sampling = false;
      await sampler;
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThanOrEqual(300);
  });
});
