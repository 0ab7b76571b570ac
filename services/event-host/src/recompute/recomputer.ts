import { parseTouchMember } from '@engagement/event-bus';
import type { Instrumentation } from '@engagement/event-bus/runtime';
import type { DueTouches, RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { truthPlan } from '@engagement/event-bus/truth';
import { type Logger, silentLogger } from '@engagement/plugin-api';
import { LeaderLease } from '../deployment/leader-lease.js';
import { HostError } from '../errors.js';
import { type ReconcileOptions, reconcile } from '../reconcile/reconcile.js';
import { reserveRecomputeSeqs } from './recompute-origin.js';

export interface RecomputerOptions
  extends Omit<
    ReconcileOptions,
    | 'selection'
    | 'repair'
    | 'entityTypes'
    | 'metric'
    | 'metricsByType'
    | 'corrections'
    | 'sourceTopics'
    | 'run'
    | 'onProgress'
    | 'onRound'
    | 'throttle'
    | 'cacheCatchUp'
  > {
  /** The touch queue the pipeline fills (same Redis, same cache scope). */
  queue: RedisTouchQueue;
  /** Names the lease and the correction counter, like the cache scope (e.g. `eventbus:cache:watermarks:prod`). */
  scopeKey: string;
  /** The host's source topics (resolved names), for the catch-up wait. */
  sourceTopics(): Promise<readonly string[]>;
  /** How long a touch waits before its entity is recomputed, so changes on other partitions arrive first. */
  settleMs: number;
  /** How long an entity touched again and again waits at most (0: until it settles). */
  maxWaitMs?: number;
  /** Pause between two passes. */
  intervalMs: number;
  /** Entities taken per entity type and pass. */
  batchSize?: number;
  /** Lease time of the leader (renewed while it runs). */
  leaseMs?: number;
  logger?: Logger;
  /** Where each pass is reported as it ends (the host's Prometheus counters subscribe). */
  instrumentation?: Pick<Instrumentation, 'emit'>;
}

/** What the recomputer did since it started. */
export interface RecomputeStats {
  passes: number;
  /** Entities compared with their truth and repaired where off. */
  recomputed: number;
  /** Corrections written. */
  corrections: number;
  /** Passes whose snapshot the stream had not stored within the wait: their touches stay queued. */
  notCaughtUp: number;
  /** Passes that failed (their touches stay queued). */
  failures: number;
  leader: boolean;
}

/**
 * Recompute on touch: one leader per fleet (a Redis lease) takes the entities touched at least `settleMs`
 * ago from the touch queue (or first touched `maxWaitMs` ago, however often since), recomputes their touched
 * metrics with the reconcile engine in repair mode (one Postgres snapshot, a wait until the stream stored
 * what it sees, corrections for the difference, into ClickHouse and then the metric topic), and removes only
 * the members not touched again meanwhile. A pass that is not caught up, finds a repair running, or fails
 * leaves its members queued for the next one.
 */
export class Recomputer {
  readonly stats: RecomputeStats = {
    passes: 0,
    recomputed: 0,
    corrections: 0,
    notCaughtUp: 0,
    failures: 0,
    leader: false,
  };
  private readonly lease: LeaderLease;
  private readonly types: string[];
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: RecomputerOptions) {
    const leaseMs = options.leaseMs ?? 30_000;
    // Renewed in the background while held, so a long pass keeps it.
    this.lease = new LeaderLease(options.redis, `eventbus:recompute:leader:${options.scopeKey}`, {
      ttlMs: leaseMs,
    });
    this.types = [...truthPlan(options.plugins).byEntityType.keys()].sort();
    this.log = options.logger ?? silentLogger;
  }

  /** Entities waiting per entity type (every type some truth covers). */
  async pending(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const type of this.types) out[type] = await this.options.queue.pending(type);
    return out;
  }

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .then(() => undefined)
        .catch((err) => this.log.warn({ err }, 'recompute.pass.failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(loop, this.options.intervalMs);
  }

  /**
   * Stops after the pass in progress, waiting for it at most `graceMs`: a pass cut short (the process
   * exits while it waits for the stream) removed nothing from the queue, and its repair lock and lease
   * expire, so the next leader does it again.
   */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running,
      new Promise((resolve) => {
        timeout = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timeout);
    await this.lease.release().catch(() => undefined);
    this.stats.leader = false;
  }

  /** One pass; returns the entities recomputed (0 when not the leader, nothing was due, or it must retry). */
  async pass(): Promise<number> {
    this.stats.leader = await this.lease.acquire();
    if (!this.stats.leader) return 0;
    this.stats.passes++;
    const due = new Map<string, DueTouches>();
    const ids = new Map<string, number[]>();
    const metricsByType = new Map<string, string[]>();
    const { settleMs, batchSize = 500, maxWaitMs = 0 } = this.options;
    for (const type of this.types) {
      const taken = await this.options.queue.due(type, settleMs, batchSize, maxWaitMs);
      if (taken.members.length === 0) continue;
      due.set(type, taken);
      const members = taken.members.map(parseTouchMember);
      ids.set(type, [...new Set(members.map((m) => m.entityId))]);
      // A member without metrics asks for all of them; otherwise the union of what was touched.
      if (members.every((m) => m.metrics))
        metricsByType.set(type, [...new Set(members.flatMap((m) => m.metrics!))]);
    }
    if (due.size === 0) return 0;
    const started = performance.now();
    try {
      const report = await reconcile({
        ...this.options,
        sourceTopics: await this.options.sourceTopics(),
        entityTypes: [...due.keys()],
        metricsByType,
        selection: { kind: 'ids', ids },
        repair: true,
        // Corrections after the events they correct, in the cache too: a post never reads below zero.
        cacheCatchUp: true,
        // A repair or a reconcile in progress: leave the members for the next pass.
        lockWaitMs: 0,
        run: `recompute-${Date.now().toString(36)}`,
        corrections: {
          reserve: (count) => reserveRecomputeSeqs(this.options.redis, this.options.scopeKey, count),
        },
      });
      if (report.notCaughtUp.length > 0) {
        this.stats.notCaughtUp++;
        this.options.instrumentation?.emit({ type: 'recompute.pass.failed', reason: 'not_caught_up' });
        this.log.info({ waitingFor: report.notCaughtUp[0]!.waitingFor }, 'recompute.not_caught_up');
        return 0;
      }
      if (report.cacheBehind.length > 0)
        this.log.warn({ waitingFor: report.cacheBehind[0] }, 'recompute.cache_behind');
      for (const [type, taken] of due) await this.options.queue.done(type, taken);
      this.stats.recomputed += report.entities;
      this.stats.corrections += report.repaired.events;
      this.options.instrumentation?.emit({
        type: 'recompute.pass.completed',
        entities: report.entities,
        corrections: report.repaired.events,
      });
      this.log.info(
        {
          entities: report.entities,
          corrections: report.repaired.events,
          seconds: (performance.now() - started) / 1000,
          waitSeconds: report.catchUpSeconds,
        },
        'recompute.pass',
      );
      return report.entities;
    } catch (err) {
      if (err instanceof HostError && err.code === 'EH_REPAIR_LOCKED') {
        this.log.info('recompute.repair_running');
        return 0;
      }
      // Stopped while it ran: the host closed what the pass was using. Expected at shutdown, not a failure.
      if (this.stopped) {
        this.log.info({ reason: (err as Error).message }, 'recompute.pass.cut_short');
        return 0;
      }
      this.stats.failures++;
      this.options.instrumentation?.emit({ type: 'recompute.pass.failed', reason: 'error' });
      throw err;
    }
  }
}
