import type { PluginDefinition } from '@engagement/plugin-api';
import type { Admin } from 'kafkajs';
import type { HostConfig } from '../config/host-config.js';
import { HostError } from '../errors.js';

/** Topics the host subscribes to, and the named ones it creates when missing. */
export interface SourceTopics {
  subscribe: (string | RegExp)[];
  create: string[];
}

/**
 * The configured topics, or by default one topic per table the loaded listeners declare: the ClickHouse
 * row topic routed to that table if one is configured, else its Debezium topic `<prefix>.<schema>.<table>`.
 * Named topics are created up front because kafkajs resolves subscriptions once, at subscribe time.
 */
export function sourceTopicsOf(config: HostConfig, plugins: readonly PluginDefinition[]): SourceTopics {
  if (config.kafka.topics) {
    return {
      subscribe: config.kafka.topics,
      create: config.kafka.topics.filter((t): t is string => typeof t === 'string'),
    };
  }
  const tables = [...new Set(plugins.flatMap((p) => p.listeners.flatMap((l) => l.tables ?? [])))];
  if (tables.length === 0) {
    throw new HostError(
      'EH_CONFIG_INVALID',
      'EVENT_HOST_KAFKA_TOPICS (kafka.topics): required, because no loaded listener declares its tables',
    );
  }
  const clickhouseTopicOf = new Map(
    Object.entries(config.sources.clickhouseTopics).map(([topic, route]) => [route.table, topic]),
  );
  const topics = tables.map(
    (t) => clickhouseTopicOf.get(t) ?? `${config.debezium.topicPrefix}.${config.debezium.schema}.${t}`,
  );
  return { subscribe: topics, create: topics };
}

/**
 * The source topics that exist now, patterns resolved against the broker's topic list: what a reconcile
 * waits on (a topic never created holds nothing to wait for).
 */
export async function existingSourceTopics(
  admin: Admin,
  config: HostConfig,
  plugins: readonly PluginDefinition[],
): Promise<string[]> {
  const listed = await admin.listTopics();
  return sourceTopicsOf(config, plugins)
    .subscribe.flatMap((t) => (typeof t === 'string' ? [t] : listed.filter((name) => t.test(name))))
    .filter((t) => listed.includes(t));
}
