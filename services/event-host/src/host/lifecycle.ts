import type { Logger } from 'pino';
import { connectDependencies, type StartStep, type StartWait } from './connect-dependencies.js';

/**
 * One part of the host with work of its own: the HTTP endpoints, lag tracking, the pipeline, search-sync,
 * the recomputer, the drift check… Each hook is optional; hooks run in the order features were added.
 */
export interface HostFeature {
  /** Named in the log and in the shutdown result. */
  readonly name: string;
  /** Runs before the host waits for its dependencies (check tables, listen); a failure fails `start()`. */
  boot?(): Promise<void>;
  /** Needs a dependency that may be down at boot: retried with backoff until the start deadline. */
  connect?: StartStep;
  /** Runs once every feature connected and the host is running (timers, leases, schedules). */
  start?(): Promise<void> | void;
  /** Stops the feature's work. Runs at shutdown even when `start` never ran or failed half-way. */
  stop?(): Promise<void> | void;
}

/** Where the host is in its life, for readiness and liveness. */
export type LifecyclePhase = 'built' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What a shutdown could not do: the feature or resource and its error, in the order they were tried. */
export interface ShutdownResult {
  failed: { name: string; error: unknown }[];
}

export interface LifecycleOptions {
  logger: Logger;
  /** How long `start()` waits for the dependencies (`connect` steps) before it gives up. */
  deadlineMs: number;
  /** Named in the error past the deadline, e.g. `raise EVENT_HOST_START_DEADLINE_MS …`. */
  deadlineSetting: string;
  /** Called once everything was stopped and closed (the host logs `host.stopped`). */
  onStopped?(result: ShutdownResult): void;
}

/**
 * The host's lifecycle. Features are started in the order they were added: every `boot`, then every
 * `connect` (retried until the deadline), then every `start`. Shutdown runs in two stages: every feature's
 * `stop` in reverse order (work ends while all connections are still open), then every owned resource's
 * close in reverse order of creation. A failure on the way down is logged with its name and returned in the
 * result; it does not keep the rest from closing.
 */
export class HostLifecycle {
  private readonly features: HostFeature[] = [];
  private readonly resources: { name: string; close(): unknown }[] = [];
  private readonly abortStart = new AbortController();
  private state: LifecyclePhase = 'built';
  private waitingFor: StartWait | undefined;
  private stopping: Promise<ShutdownResult> | undefined;

  constructor(private readonly options: LifecycleOptions) {}

  get phase(): LifecyclePhase {
    return this.state;
  }

  /** The dependency `start()` is waiting for, while it waits. */
  get waiting(): StartWait | undefined {
    return this.waitingFor;
  }

  /** The host failed for good (a sink refused work): liveness turns false and stays so. */
  fail(): void {
    this.state = 'failed';
  }

  /** Adds features (`undefined`: one the configuration leaves out); hooks run in this order, stop in reverse. */
  add(...features: (HostFeature | undefined)[]): void {
    if (this.state !== 'built') throw new Error(`cannot add features to a host that is ${this.state}`);
    for (const f of features) if (f) this.features.push(f);
  }

  /** Registers a resource to close at shutdown, after every feature stopped; returns the resource. */
  own<T>(name: string, resource: T, close: (resource: T) => unknown): T {
    this.resources.push({ name, close: () => close(resource) });
    return resource;
  }

  /**
   * Starts the features. Resolves `'aborted'` when `stop()` was called while it waited for a dependency.
   * A failed `boot` leaves the closing to `stop()`; a dependency still down at the deadline stops the host.
   */
  async start(): Promise<'running' | 'aborted'> {
    const { logger } = this.options;
    if (this.state !== 'built') throw new Error(`host is ${this.state}; build a new one to start again`);
    this.state = 'starting';
    try {
      for (const f of this.features) await f.boot?.();
    } catch (error) {
      this.state = 'failed';
      throw error;
    }
    let outcome: 'connected' | 'aborted';
    try {
      outcome = await connectDependencies({
        deadlineMs: this.options.deadlineMs,
        deadlineSetting: this.options.deadlineSetting,
        signal: this.abortStart.signal,
        onWaiting: (wait) => {
          this.waitingFor = wait;
          logger.warn(wait, 'host.start.waiting');
        },
        steps: this.features.flatMap((f) => (f.connect ? [f.connect] : [])),
      });
    } catch (error) {
      this.state = 'failed';
      logger.error({ err: error }, 'host.start.failed');
      await this.stop();
      this.state = 'failed';
      throw error;
    }
    if (outcome === 'aborted' || this.abortStart.signal.aborted) return 'aborted';
    this.waitingFor = undefined;
    this.state = 'running';
    for (const f of this.features) await f.start?.();
    return 'running';
  }

  /** Stops the features, then closes the resources; never rejects. Calling it again returns the same result. */
  stop(): Promise<ShutdownResult> {
    this.stopping ??= (async () => {
      if (this.state !== 'failed') this.state = 'stopping';
      this.abortStart.abort();
      this.options.logger.info('host.stopping');
      const result = await this.windDown();
      if (this.state !== 'failed') this.state = 'stopped';
      this.options.onStopped?.(result);
      return result;
    })();
    return this.stopping;
  }

  /**
   * Closes what was built of a host that failed to build (before any feature was added), quietly: only a
   * failure is logged. The host is then failed.
   */
  discard(): Promise<ShutdownResult> {
    this.state = 'failed';
    this.stopping ??= this.windDown();
    return this.stopping;
  }

  private async windDown(): Promise<ShutdownResult> {
    const failed: ShutdownResult['failed'] = [];
    const attempt = async (kind: 'feature' | 'resource', name: string, step: () => unknown) => {
      try {
        await step();
      } catch (error) {
        failed.push({ name, error });
        const msg = kind === 'feature' ? 'host.feature.stop_failed' : 'host.resource.close_failed';
        this.options.logger.warn({ err: error, [kind]: name }, msg);
      }
    };
    for (const f of [...this.features].reverse())
      if (f.stop) await attempt('feature', f.name, () => f.stop?.());
    for (const r of [...this.resources].reverse()) await attempt('resource', r.name, r.close);
    return { failed };
  }
}
