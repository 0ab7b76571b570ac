/**
 * @engagement/event-host: the deployable host. `createEventHost(options)` builds a host from a validated
 * configuration (`loadConfig`), loading plugin packages by name; `runCli` is the `event-host` command line.
 */
export { runCli } from './cli/run-cli.js';
export { clickhouseOptions } from './config/clickhouse-options.js';
export type { ConfigPurpose, HostConfig } from './config/host-config.js';
export {
  type LoadConfigOptions,
  loadConfig,
  type ResolvedSetting,
  resolveConfig,
} from './config/load-config.js';
export { CONFIG_FILE_ENV, SETTINGS, type Setting } from './config/settings.js';
export { type DeadLetter, parsePosition, positionOf, toDeadLetter } from './dlq/dead-letter.js';
export type { DeadLetterMark, DeadLetterStore } from './dlq/dead-letter-store.js';
export {
  type DeadLetterCounts,
  type DeadLetterFilter,
  type DeadLetterListing,
  type DeadLetterState,
  DeadLetterTopic,
  type ListedDeadLetter,
} from './dlq/dead-letter-topic.js';
export { InMemoryDeadLetterStore } from './dlq/in-memory-dead-letter-store.js';
export {
  KafkaDeadLetterStore,
  marksTopicOf,
  REDRIVEN_FROM_HEADER,
  redriveGroupOf,
} from './dlq/kafka-dead-letter-store.js';
export { EXIT, exitCodeOf, HostError, type HostErrorCode } from './errors.js';
export { createEventHost, type EventHost, type EventHostOptions } from './host/create-event-host.js';
export type { HostStatus } from './host/host-status.js';
export { exitOnShutdownSignal, type ShutdownOptions } from './host/shutdown.js';
export type { CheckResult, Readiness } from './http/readiness.js';
export { createLogger } from './logging/create-logger.js';
export { HostMetrics } from './metrics/host-metrics.js';
export type { PartitionLag } from './metrics/partition-lag.js';
export type { StatusSample } from './metrics/status-history.js';
export { type LoadedPluginPackage, loadPlugins, type ModuleImporter } from './plugins/load-plugins.js';
export { pluginSettingsToken, settingsProvisions } from './plugins/settings-provisions.js';
export { dryRunReplay, type ReplayResult } from './replay/dry-run-replay.js';
export { readReplayFile } from './replay/read-replay-file.js';
