import { checkDrift } from '@engagement/event-bus/reader';
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { Redis } from 'ioredis';
import { loadConfig } from '../../config/load-config.js';
import { EXIT, HostError } from '../../errors.js';
import { watermarkKeyOf } from '../../host/cache-scope.js';
import { type CliContext, println } from '../cli-context.js';

/**
 * `event-host metrics drift [--sample N] [--repair] [--json]`: samples cached metric hashes and compares
 * them with ClickHouse (see `checkDrift`). Exit 3 when drift was found and not repaired.
 */
export async function driftCommand(ctx: CliContext): Promise<number> {
  let sample: number | undefined;
  let repair = false;
  let json = false;
  for (let i = 0; i < ctx.args.length; i++) {
    const a = ctx.args[i]!;
    if (a === '--sample') {
      sample = Number(ctx.args[++i]);
      if (!Number.isInteger(sample) || sample < 1)
        throw new HostError('EH_USAGE', '--sample needs a positive integer');
    } else if (a === '--repair') repair = true;
    else if (a === '--json') json = true;
    else throw new HostError('EH_USAGE', `metrics drift: unknown argument "${a}"`);
  }
  const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'drift' });
  const redis = new Redis(config.redis.url!, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const clickhouse = await openClickHouse(
    config.clickhouse.url
      ? {
          url: config.clickhouse.url,
          username: config.clickhouse.username,
          password: config.clickhouse.password,
          database: config.clickhouse.database,
        }
      : { path: config.clickhouse.path! },
  );
  try {
    const report = await checkDrift({
      redis,
      clickhouse,
      sample,
      repair,
      watermarkKey: watermarkKeyOf(config),
    });
    if (json) println(ctx.stdout, JSON.stringify(report));
    else {
      for (const d of report.details.slice(0, 50)) {
        println(ctx.stdout, `${d.key} ${d.field}: cached ${d.cached}, ClickHouse ${d.expected}`);
      }
      if (report.details.length > 50) println(ctx.stdout, `… and ${report.details.length - 50} more fields`);
      println(
        ctx.stdout,
        `sampled ${report.sampled} cached hash(es): ${report.drifted} drifted (${(report.ratio * 100).toFixed(2)}%)` +
          (repair ? `, ${report.repaired} repaired` : ''),
      );
    }
    return report.drifted > 0 && !repair ? EXIT.attention : EXIT.ok;
  } finally {
    redis.disconnect();
    await clickhouse.close();
  }
}
