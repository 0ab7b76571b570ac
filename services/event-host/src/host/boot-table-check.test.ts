import { defineListener, definePlugin } from '@engagement/plugin-api';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { checkTablesAtBoot } from './boot-table-check.js';

const env = {
  EVENT_HOST_KAFKA_BROKERS: 'kafka-1:9092',
  EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
  EVENT_HOST_REDIS_URL: 'redis://cache:6379',
  EVENT_HOST_CLICKHOUSE_URL: 'http://clickhouse:8123',
};
const plugin = definePlugin({
  id: 'articles',
  owner: '@team/articles',
  listeners: [defineListener({ id: 'article.reactions', canHandle: () => true, handle: () => {} })],
});

/** The boot check's log lines, as pino writes them. */
async function warnings(extra: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  await checkTablesAtBoot(loadConfig({ env: { ...env, ...extra } }), [plugin], logger);
  return lines;
}

describe('checkTablesAtBoot', () => {
  it('warns about listeners that declare no tables when the subscriptions follow the declared ones', async () => {
    expect(await warnings()).toEqual([
      expect.objectContaining({ msg: 'plugins.listeners.without_tables', listeners: ['article.reactions'] }),
    ]);
    expect(await warnings({ EVENT_HOST_KAFKA_TOPICS: 'app.public.ArticleReaction' })).toEqual([]);
  });
});
