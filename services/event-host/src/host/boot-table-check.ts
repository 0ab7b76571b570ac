import type { PluginDefinition } from '@engagement/plugin-api';
import type { Logger } from 'pino';
import type { HostConfig } from '../config/host-config.js';
import { maskUrlsIn } from '../config/mask-secrets.js';
import { assertDeclaredTables } from './declared-tables.js';
import { checkDeclaredTables, timeZoneWarning } from './table-facts.js';

/**
 * Boot's check of the tables the listeners declare (and of listeners that declare none, which the host
 * subscribes nothing for unless it is given its topics): warnings are logged, errors stop boot with
 * `EH_PLUGIN_TABLE_UNKNOWN`. A source that cannot be read is logged and the check decides on the rest.
 */
export async function checkTablesAtBoot(
  config: HostConfig,
  plugins: readonly PluginDefinition[],
  logger: Logger,
): Promise<void> {
  const undeclared = plugins.flatMap((p) => p.listeners.filter((l) => !l.tables?.length).map((l) => l.id));
  if (!config.kafka.topics && undeclared.length > 0)
    // Subscriptions follow the declared tables: these listeners see only the tables others declare.
    logger.warn(
      { listeners: undeclared, detail: 'declare their `tables`, or set EVENT_HOST_KAFKA_TOPICS' },
      'plugins.listeners.without_tables',
    );
  const { findings, unknown, postgresTimeZone } = await checkDeclaredTables(config, plugins);
  const zone = timeZoneWarning(postgresTimeZone);
  if (zone) logger.warn({ timeZone: postgresTimeZone, detail: zone }, 'postgres.timezone_not_utc');
  if (unknown.kafka || (unknown.postgres && config.postgres.url))
    logger.warn({ unknown: maskUrlsIn(JSON.stringify(unknown)) }, 'plugins.tables.partly_unchecked');
  for (const f of findings.filter((x) => x.level === 'warning'))
    logger.warn(
      { listener: f.listenerId, table: f.table, topic: f.topic, suggestion: f.suggestion, detail: f.message },
      'plugins.table.unconfirmed',
    );
  assertDeclaredTables(findings);
}
