import { describe, expect, it } from 'vitest';
import { KafkaHealth } from '../host/kafka-health.js';
import { answerWithin, checkReadiness, type ReadinessProbes, sinkHealth } from './readiness.js';

function probes(over: Partial<ReadinessProbes> = {}): ReadinessProbes {
  return {
    lifecycle: () => ({ phase: 'running' }),
    kafka: () => ({ ok: true, detail: 'brokers answer' }),
    consumer: () => ({ joined: true, paused: false }),
    pingClickHouse: async () => undefined,
    pingRedis: async () => 'PONG',
    sinksHealthy: () => ({ clickhouse: true, redis: true }),
    stalled: () => false,
    ...over,
  };
}

describe('checkReadiness', () => {
  it('is ready when running, joined, brokers and sinks answer and progress is made', async () => {
    expect((await checkReadiness(probes())).ready).toBe(true);
  });

  it('is not ready while starting, and says what it waits for', async () => {
    const r = await checkReadiness(
      probes({ lifecycle: () => ({ phase: 'starting', detail: 'waiting for ClickHouse (attempt 3)' }) }),
    );
    expect(r.ready).toBe(false);
    expect(r.checks.consumer).toEqual({ ok: false, detail: 'starting: waiting for ClickHouse (attempt 3)' });
  });

  it('follows the brokers: joined but unreachable is not ready, and ready again when they answer', async () => {
    const health = new KafkaHealth();
    const p = probes({ kafka: () => health.check() });
    health.probeSucceeded(Date.now() - 10);
    expect((await checkReadiness(p)).ready).toBe(true);
    health.failed('offset refresh', new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    const down = await checkReadiness(p);
    expect(down.ready).toBe(false);
    expect(down.checks.consumer.ok).toBe(true);
    expect(down.checks.kafka.detail).toMatch(/brokers unreachable.*ECONNREFUSED/);
    health.probeSucceeded(Date.now() + 1);
    expect((await checkReadiness(p)).ready).toBe(true);
  });

  it('is not ready while shutting down', async () => {
    const r = await checkReadiness(probes({ lifecycle: () => ({ phase: 'stopping' }) }));
    expect(r.checks.consumer).toEqual({ ok: false, detail: 'shutting down' });
  });
});

describe('sinkHealth', () => {
  it('counts an ingest failure against the sink its error names', () => {
    const up = { isHealthy: true };
    expect(sinkHealth({ failingSink: undefined }, up)).toEqual({ clickhouse: true, redis: true });
    expect(sinkHealth({ failingSink: 'clickhouse' }, up)).toEqual({ clickhouse: false, redis: true });
    expect(sinkHealth({ failingSink: 'kafka' }, up)).toEqual({ clickhouse: false, redis: true });
    expect(sinkHealth({ failingSink: 'search-queue' }, up)).toEqual({ clickhouse: true, redis: false });
    expect(sinkHealth({ failingSink: 'redis' }, up)).toEqual({ clickhouse: true, redis: false });
    expect(sinkHealth({ failingSink: undefined }, { isHealthy: false })).toEqual({
      clickhouse: true,
      redis: false,
    });
  });
});

describe('answerWithin', () => {
  it('passes an answer on, and gives up on a call that hangs (a command queued while Redis is down)', async () => {
    expect(await answerWithin(Promise.resolve(3), 1_000)).toBe(3);
    await expect(answerWithin(new Promise(() => {}), 20)).rejects.toThrow('no answer within 20 ms');
  });
});
