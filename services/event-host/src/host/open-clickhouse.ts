import type { ClickHouseClient } from '@clickhouse/client';
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { clickhouseOptions } from '../config/clickhouse-options.js';
import type { HostConfig } from '../config/host-config.js';
import { maskUrl } from '../config/mask-secrets.js';
import { pingClickHouse } from './clients-feature.js';
import { unreachable } from './unreachable.js';

/**
 * A command's ClickHouse, checked with a ping. Unchecked, a server it cannot reach surfaced as the client's
 * warnings with stacks, then the command's own failure; here it is one error naming the setting and where it
 * points (user info masked). The client logs nothing of its own: the command reports every failure itself.
 */
export async function connectClickHouseFor(
  config: Pick<HostConfig, 'clickhouse'>,
): Promise<ClickHouseClient> {
  const { url, path } = config.clickhouse;
  const clickhouse = await openClickHouse({ ...clickhouseOptions(config), quiet: true });
  try {
    await pingClickHouse(clickhouse);
  } catch (error) {
    await clickhouse.close().catch(() => undefined);
    const [setting, where] = url
      ? ['EVENT_HOST_CLICKHOUSE_URL (clickhouse.url)', maskUrl(url)]
      : ['EVENT_HOST_CLICKHOUSE_PATH (clickhouse.path)', path];
    throw unreachable(setting, `cannot reach ClickHouse at ${where}`, error);
  }
  return clickhouse;
}
