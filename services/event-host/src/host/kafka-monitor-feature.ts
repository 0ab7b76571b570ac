import { createToken } from '@engagement/plugin-api';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { PartitionLagTracker } from '../metrics/partition-lag.js';
import { type HostScope, hostTokens } from './host-scope.js';
import { KafkaHealth } from './kafka-health.js';
import type { HostFeature } from './lifecycle.js';

/** The brokers as the host sees them: the admin client, its health, and the lag per assigned partition. */
export interface KafkaMonitor {
  admin: Admin;
  health: KafkaHealth;
  lag: PartitionLagTracker;
}

export const kafkaMonitorToken = createToken<KafkaMonitor>('host.kafkaMonitor');

/**
 * Lag tracking: once the brokers answer, their offsets are read every 2 s; readiness, the lag gauges and
 * the stall check depend on it. Registers `kafkaMonitorToken`; needs the pipeline registered first.
 */
export function kafkaMonitorFeature({ config, logger, container }: HostScope): HostFeature {
  const pipeline = container.get(hostTokens.pipeline);
  // The monitor fails fast: its failures are the readiness signal, so it must not retry for a minute.
  const admin = new Kafka({
    clientId: `${config.kafka.clientId}-monitor`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
  }).admin();
  const health = new KafkaHealth();
  const lag = new PartitionLagTracker(
    admin,
    config.kafka.groupId,
    () => pipeline.consumerState,
    config.readiness.stallAfterMs,
  );
  container.provide(kafkaMonitorToken, { admin, health, lag }, () => admin.disconnect());

  let timer: NodeJS.Timeout | undefined;
  let refreshing = false;
  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    const startedAt = Date.now();
    try {
      await lag.refresh();
      health.probeSucceeded(startedAt);
    } catch (err) {
      health.failed('offset refresh', err);
      logger.debug({ err }, 'lag.refresh.failed');
    } finally {
      refreshing = false;
    }
  };
  return {
    name: 'lag-tracking',
    connect: {
      dependency: 'Kafka',
      run: async () => {
        await admin.connect();
        await admin.describeCluster();
        timer ??= setInterval(() => void refresh(), 2_000);
        void refresh();
      },
    },
    stop: () => clearInterval(timer),
  };
}
