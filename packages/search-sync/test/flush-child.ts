// A search-sync host process for the restart test: it flushes once against the Meilisearch fake of the
// parent test and is killed (SIGKILL) by the parent while waiting for Meilisearch's task.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureMetricEventTable, openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { Redis } from 'ioredis';
import { createSearchSync } from '../src/index.js';

const [redisUrl, host, apiKey, prefix, uid] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
// Its own embedded ClickHouse: chDB allows one engine per data directory and process.
const clickhouse = await openClickHouse({ path: mkdtempSync(join(tmpdir(), 'search-sync-child-')) });
await ensureMetricEventTable(clickhouse);
const sync = createSearchSync({
  redis: new Redis(redisUrl),
  clickhouse,
  meilisearch: { host, apiKey },
  indexes: [{ uid, entityType: 'Image', metricTypes: ['likeCount'] }],
  keyPrefix: prefix,
  lockTtlMs: 1500,
  taskPollMs: 5,
});
process.stdout.write('flushing\n');
await sync.flushNow();
process.stdout.write('flushed\n');
process.exit(0);
