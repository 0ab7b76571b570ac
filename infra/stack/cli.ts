/**
 * npm run stack -- up | down [--purge] | reset | status | logs [part] [lines] | deps | env | sql <query>
 */
import {
  ClickHouseError,
  ClickHouseLogLevel,
  type ClickHouseSettings,
  createClient,
} from '@clickhouse/client';
import { readStackEnv } from './env.js';
import {
  fetchDeps,
  parts,
  StackError,
  stackDown,
  stackLogs,
  stackStatus,
  stackUp,
  stackUsers,
} from './index.js';
import { stackPaths } from './paths.js';

const usage = `usage: npm run stack -- <command>
  up                 start every part that is not running; writes ${stackPaths().envFile}
  down [--purge]     stop what the stack started; --purge also deletes the stack directory
  reset              down --purge
  status             each part: state, pid, port
  logs [part] [n]    last n (50) lines of a part's log; parts: ${parts
    .filter((p) => p.logFile)
    .map((p) => p.name)
    .join(', ')}
  deps [--force]     only resolve the Maven jars (Kafka, Connect, Debezium), e.g. for CI
  env                print the env file
  sql "<query>"      run one query against the stack's ClickHouse (CLICKHOUSE_URL) and print the result
Environment: STACK_DIR (default <repo>/.stack), CLICKHOUSE_URL, MEILISEARCH_URL, MAVEN_REPO_LOCAL`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      await stackUp({ keep: true });
      return 0;
    case 'down':
      await stackDown({ purge: rest.includes('--purge') });
      return 0;
    case 'reset':
      await stackDown({ purge: true });
      return 0;
    case 'status': {
      const statuses = await stackStatus();
      for (const s of statuses) {
        const cols = [
          s.name.padEnd(11),
          s.state.padEnd(11),
          `pid ${s.pid ?? '-'}`.padEnd(11),
          `port ${s.port ?? '-'}`.padEnd(11),
          s.detail ?? '',
        ];
        console.log(cols.join(' ').trimEnd());
      }
      const users = stackUsers().map((u) => `${u.kind} (pid ${u.pid})`);
      console.log(`used by: ${users.length ? users.join(', ') : 'no test run or npm start'}`);
      return statuses.some((s) => s.state === 'down' || s.state === 'unreachable') ? 3 : 0;
    }
    case 'logs': {
      const names = rest[0] ? [rest[0]] : parts.filter((p) => p.logFile).map((p) => p.name);
      const lines = Number(rest[1] ?? 50);
      for (const name of names) console.log(`--- ${name} ---\n${stackLogs(name, lines)}`);
      return 0;
    }
    case 'deps': {
      const t0 = Date.now();
      const resolved = await fetchDeps({ force: rest.includes('--force') });
      const what = resolved.length ? `resolved ${resolved.join(', ')}` : 'already resolved';
      console.log(`maven classpaths ${what} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return 0;
    }
    case 'env':
      for (const [k, v] of Object.entries(readStackEnv())) console.log(`${k}=${v}`);
      return 0;
    case 'sql':
      return runSql(rest.join(' '));
    default:
      console.error(usage);
      return command ? 2 : 0;
  }
}

// The server takes any output format; the client's type lists only the formats it parses itself.
const PRETTY = 'PrettyCompact' as ClickHouseSettings['default_format'];

/** One query through the served engine (or the remote server), result as the server formats it. */
async function runSql(query: string): Promise<number> {
  if (!query.trim()) {
    console.error('usage: npm run stack -- sql "SELECT count() FROM entityMetricEvents"');
    return 2;
  }
  const { CLICKHOUSE_URL } = readStackEnv();
  if (!CLICKHOUSE_URL) throw new StackError('the stack env has no CLICKHOUSE_URL: run `npm run stack -- up`');
  // The error is printed once below; the client's own error log would repeat it with a stack.
  const client = createClient({ url: CLICKHOUSE_URL, log: { level: ClickHouseLogLevel.OFF } });
  try {
    // exec returns the body untouched: PrettyCompact unless the query names its own FORMAT.
    const result = await client.exec({ query, clickhouse_settings: { default_format: PRETTY } });
    for await (const chunk of result.stream) process.stdout.write(chunk as Buffer);
    return 0;
  } catch (err) {
    if (!(err instanceof ClickHouseError)) throw err;
    console.error(`Code: ${err.code}. ${err.type}: ${err.message.trim()}`);
    return 1;
  } finally {
    await client.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof StackError ? err.message : err);
    process.exit(1);
  },
);
