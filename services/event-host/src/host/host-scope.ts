import 'reflect-metadata';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EventPipeline } from '@engagement/event-bus/kafka';
import type { Instrumentation } from '@engagement/event-bus/runtime';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import { createToken, type Token } from '@engagement/plugin-api';
import type { Logger } from 'pino';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import type { HostConfig } from '../config/host-config.js';
import type { HostMetrics } from '../metrics/host-metrics.js';
import type { SinkActivity } from '../metrics/sink-activity.js';
import type { LoadedPluginPackage } from '../plugins/load-plugins.js';
import type { HostLifecycle } from './lifecycle.js';

/**
 * The host's own container: the clients and parts its features share, under typed tokens. It is a tsyringe
 * child container, like the plugins' `PluginContainer`, and like it never seen by plugin code. A part
 * registered with a close hook is owned by the lifecycle: closed at shutdown, in reverse order of creation.
 */
export class HostContainer {
  private readonly container: DependencyContainer = rootContainer.createChildContainer();

  constructor(private readonly lifecycle: HostLifecycle) {}

  /** Registers `value` under `token`; with `close`, the lifecycle closes it at shutdown. Returns `value`. */
  provide<T>(token: Token<T>, value: T, close?: (value: T) => unknown): T {
    this.container.registerInstance(token.key, value);
    if (close) this.lifecycle.own(token.id, value, close);
    return value;
  }

  /** The part registered under `token`; throws (naming it) when nothing is. */
  get<T>(token: Token<T>): T {
    if (!this.container.isRegistered(token.key)) throw new Error(`host part ${token.id} is not registered`);
    return this.container.resolve<T>(token.key);
  }

  /** The part under `token`, or undefined when the configuration leaves it out (search-sync, slots…). */
  find<T>(token: Token<T>): T | undefined {
    return this.container.isRegistered(token.key) ? this.container.resolve<T>(token.key) : undefined;
  }
}

/** What every feature module is built from. */
export interface HostScope {
  readonly config: HostConfig;
  readonly logger: Logger;
  readonly lifecycle: HostLifecycle;
  readonly container: HostContainer;
}

/** The loaded plugin packages and, by listener id, the plugin each listener belongs to. */
export interface HostPlugins {
  packages: readonly LoadedPluginPackage[];
  listenerPlugins: ReadonlyMap<string, string>;
}

/** Tokens of the parts features share (features that are configured on register their own). */
export const hostTokens = {
  plugins: createToken<HostPlugins>('host.plugins'),
  /** The pipeline's Redis client (cache sink, queues, leases). */
  redis: createToken<RedisClient>('host.redis'),
  /** Readiness pings Redis on a client of its own that fails fast while Redis is away. */
  healthRedis: createToken<RedisClient>('host.healthRedis'),
  clickhouse: createToken<ClickHouseClient>('host.clickhouse'),
  pipeline: createToken<EventPipeline>('host.pipeline'),
  sinkActivity: createToken<SinkActivity>('host.sinkActivity'),
  /** What the pipeline reports as it happens; the Prometheus counters subscribe. */
  instrumentation: createToken<Instrumentation>('host.instrumentation'),
  metrics: createToken<HostMetrics>('host.metrics'),
} as const;
