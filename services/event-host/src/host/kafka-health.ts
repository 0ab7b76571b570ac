import type { CheckResult } from '../http/readiness.js';

/** A failed request to the brokers: who saw it, what it said, when. */
export interface KafkaFailure {
  source: string;
  message: string;
  at: number;
}

/**
 * Whether the brokers answer, from two kinds of evidence: the host's own probe (partition ends and
 * committed offsets, read every few seconds) and failures the consumer reports (request timeouts,
 * crashes). Any failure makes Kafka unreachable at once. Only a probe that began after the last failure
 * and succeeded makes it reachable again, so a late answer to an old request cannot hide an outage.
 * Before the first probe answered, Kafka counts as unreachable.
 */
export class KafkaHealth {
  private lastFailure: KafkaFailure | undefined;
  private lastProbeOkStartedAt: number | undefined;

  /** Records a failure seen by `source` (e.g. `offset refresh`, `consumer`). */
  failed(source: string, error: unknown, at = Date.now()): void {
    if (this.lastFailure && this.lastFailure.at > at) return;
    const message = error instanceof Error ? error.message : String(error);
    this.lastFailure = { source, message, at };
  }

  /** Records a probe that began at `startedAt` and got its answers. */
  probeSucceeded(startedAt: number): void {
    if (this.lastProbeOkStartedAt === undefined || startedAt > this.lastProbeOkStartedAt)
      this.lastProbeOkStartedAt = startedAt;
  }

  /** The readiness check; `consumerFailure` is what the consumer last reported, if anything. */
  check(consumerFailure?: { at: number; message: string }): CheckResult {
    if (consumerFailure) this.failed('consumer', consumerFailure.message, consumerFailure.at);
    const okSince = this.lastProbeOkStartedAt;
    const failure = this.lastFailure;
    if (failure && (okSince === undefined || failure.at >= okSince)) {
      const ago = Math.max(0, Math.round((Date.now() - failure.at) / 1000));
      return {
        ok: false,
        detail: `brokers unreachable (${failure.source}, ${ago}s ago): ${failure.message}`,
      };
    }
    if (okSince === undefined) return { ok: false, detail: 'brokers not reached yet' };
    return { ok: true, detail: 'brokers answer' };
  }
}
