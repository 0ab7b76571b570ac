/** One readiness check's outcome. */
export interface CheckResult {
  ok: boolean;
  detail: string;
}

/** What `/readyz` answers. */
export interface Readiness {
  ready: boolean;
  checks: Record<'consumer' | 'kafka' | 'clickhouse' | 'redis' | 'progress', CheckResult>;
}

/** The probes readiness combines; each may be slow or fail, so each runs under a timeout. */
export interface ReadinessProbes {
  /**
   * Where the host is in its life: only `running` can be ready. `starting` carries what it waits for
   * (an unreachable dependency it keeps retrying).
   */
  lifecycle(): { phase: 'starting' | 'running' | 'stopping'; detail?: string };
  /** Whether the brokers answer (see `KafkaHealth`). */
  kafka(): CheckResult;
  consumer(): { joined: boolean; paused: boolean };
  pingClickHouse(): Promise<unknown>;
  pingRedis(): Promise<unknown>;
  /** Whether the pipeline's own writes to each sink currently succeed. */
  sinksHealthy(): { clickhouse: boolean; redis: boolean };
  stalled(): boolean;
  timeoutMs?: number;
}

/**
 * `answer`, or a rejection once `ms` have passed without one. A dependency that is down may leave a call
 * waiting far longer (ioredis retries a command 20 times while it reconnects); what serves readiness,
 * `/metrics` and the status page must answer within a scrape's time all the same.
 */
export async function answerWithin<T>(answer: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      answer,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The sinks' health from the pipeline's stages. The ingest stage writes ClickHouse (and publishes its rows)
 * and, for touches and the search queue, Redis: a failure of those two counts against Redis, any other
 * against ClickHouse. The apply stage writes Redis.
 */
export function sinkHealth(
  ingest: { readonly failingSink: string | undefined },
  apply: { readonly isHealthy: boolean },
): { clickhouse: boolean; redis: boolean } {
  const failing = ingest.failingSink;
  const onRedis = failing === 'redis' || failing === 'search-queue';
  return { clickhouse: failing === undefined || onRedis, redis: apply.isHealthy && !onRedis };
}

/**
 * Ready means: running (started, not shutting down), a member of the consumer group, the brokers
 * answering (the host's periodic offset probe succeeds and the consumer reports no failed request since),
 * both sinks reachable (a ping answers) and accepting the
 * pipeline's writes, and not stalled (records waiting while no position moves). A load balancer or
 * Kubernetes takes a not-ready host out of rotation; liveness stays separate so an outage does not
 * restart-loop the host.
 */
export async function checkReadiness(probes: ReadinessProbes): Promise<Readiness> {
  const timeoutMs = probes.timeoutMs ?? 2_000;
  const ping = async (fn: () => Promise<unknown>, writing: boolean, name: string): Promise<CheckResult> => {
    try {
      await answerWithin(fn(), timeoutMs);
    } catch (error) {
      return { ok: false, detail: `${name} ping failed: ${(error as Error).message}` };
    }
    return writing
      ? { ok: true, detail: 'reachable' }
      : { ok: false, detail: `${name} reachable, but writes fail` };
  };
  const sinks = probes.sinksHealthy();
  const consumer = probes.consumer();
  const [clickhouse, redis] = await Promise.all([
    ping(probes.pingClickHouse, sinks.clickhouse, 'ClickHouse'),
    ping(probes.pingRedis, sinks.redis, 'Redis'),
  ]);
  const stalled = probes.stalled();
  const life = probes.lifecycle();
  const checks: Readiness['checks'] = {
    consumer:
      life.phase === 'stopping'
        ? { ok: false, detail: 'shutting down' }
        : life.phase === 'starting'
          ? { ok: false, detail: `starting${life.detail ? `: ${life.detail}` : ''}` }
          : consumer.joined
            ? { ok: true, detail: consumer.paused ? 'joined (paused by backpressure)' : 'joined' }
            : { ok: false, detail: 'not a member of the consumer group' },
    kafka: probes.kafka(),
    clickhouse,
    redis,
    progress: stalled
      ? { ok: false, detail: 'stalled: records are waiting but no offset moved' }
      : { ok: true, detail: 'making progress' },
  };
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}
