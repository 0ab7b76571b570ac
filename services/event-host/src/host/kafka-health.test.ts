import { describe, expect, it } from 'vitest';
import { KafkaHealth } from './kafka-health.js';

describe('KafkaHealth', () => {
  it('is not ok before the first probe answered', () => {
    expect(new KafkaHealth().check()).toEqual({ ok: false, detail: 'brokers not reached yet' });
  });

  it('turns false on a failed probe and true again only after a later probe succeeds', () => {
    const h = new KafkaHealth();
    h.probeSucceeded(1_000);
    expect(h.check().ok).toBe(true);
    h.failed('offset refresh', new Error('Connection error: connect ECONNREFUSED'), 3_000);
    const down = h.check();
    expect(down.ok).toBe(false);
    expect(down.detail).toMatch(/brokers unreachable \(offset refresh, .*\): Connection error/);
    // A probe that began before the failure and answered late does not count.
    h.probeSucceeded(2_500);
    expect(h.check().ok).toBe(false);
    h.probeSucceeded(3_100);
    expect(h.check()).toEqual({ ok: true, detail: 'brokers answer' });
  });

  it('turns false on a request failure the consumer reports, while kafkajs still retries', () => {
    const h = new KafkaHealth();
    h.probeSucceeded(1_000);
    const check = h.check({ at: 2_000, message: 'Fetch request to 127.0.0.1:9092 timed out after 30000 ms' });
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/consumer.*Fetch request/);
    // The same, old failure reported again does not outlive the next successful probe.
    h.probeSucceeded(2_100);
    expect(h.check({ at: 2_000, message: 'old' }).ok).toBe(true);
  });
});
