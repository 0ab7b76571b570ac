import type { ClickHouseClient } from '@clickhouse/client';
import { checkDrift } from '@engagement/event-bus/reader';
import { loadConfig } from '../../config/load-config.js';
import { cacheKeysOf, watermarkKeyOf } from '../../deployment/cache-scope.js';
import { EXIT } from '../../errors.js';
import { connectClickHouseFor } from '../../host/open-clickhouse.js';
import { connectRedisFor } from '../../host/open-redis.js';
import { println } from '../cli-context.js';
import { defineCommand } from '../command-table.js';

/**
 * `event-host metrics drift`: samples cached metric hashes and compares them with ClickHouse (see
 * `checkDrift`). Exit 3 when drift was found and not repaired.
 */
export const driftCommand = defineCommand({
  name: 'metrics drift',
  summary: 'compare cached hashes of sampled entities with ClickHouse',
  options: {
    sample: { kind: 'count', value: 'N', help: 'how many cached hashes to compare' },
    repair: { kind: 'flag', help: 'refill the hashes that drifted' },
    json: { kind: 'flag', help: 'print the report as JSON' },
  },
  async run(ctx, { sample, repair, json }) {
    const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'drift' });
    const redis = await connectRedisFor(config, { maxRetriesPerRequest: 2 });
    let clickhouse: ClickHouseClient | undefined;
    try {
      clickhouse = await connectClickHouseFor(config);
      const report = await checkDrift({
        redis,
        clickhouse,
        sample,
        repair,
        watermarkKey: watermarkKeyOf(config),
        keys: cacheKeysOf(config),
      });
      if (json) println(ctx.stdout, JSON.stringify(report));
      else {
        for (const d of report.details.slice(0, 50)) {
          println(ctx.stdout, `${d.key} ${d.field}: cached ${d.cached}, ClickHouse ${d.expected}`);
        }
        if (report.details.length > 50)
          println(ctx.stdout, `… and ${report.details.length - 50} more fields`);
        println(
          ctx.stdout,
          `sampled ${report.sampled} cached hash(es): ${report.drifted} drifted (${(report.ratio * 100).toFixed(2)}%)` +
            (repair ? `, ${report.repaired} repaired` : ''),
        );
      }
      return report.drifted > 0 && !repair ? EXIT.attention : EXIT.ok;
    } finally {
      redis.disconnect();
      await clickhouse?.close();
    }
  },
});
