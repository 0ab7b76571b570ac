import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pomProperty } from './maven.js';
import { pgBinDir, repoRoot } from './paths.js';
import { run } from './process.js';

async function firstVersion(command: string, args: string[]): Promise<string> {
  const r = await run(command, args).catch(() => undefined);
  return r?.stdout.match(/\d+\.\d+(\.\d+)?/)?.[0] ?? 'unknown';
}

/** Recorded in stack.env so test reports and the host can say what they ran against. */
export async function stackVersions(): Promise<Record<string, string>> {
  const chdb = (() => {
    try {
      return (
        JSON.parse(readFileSync(join(repoRoot, 'node_modules/chdb/package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      return 'unknown';
    }
  })();
  return {
    KAFKA_VERSION: pomProperty('kafka', 'kafka.version'),
    KAFKA_CONNECT_VERSION: pomProperty('connect', 'kafka.version'),
    DEBEZIUM_VERSION: pomProperty('connect', 'debezium.version'),
    POSTGRES_VERSION: await firstVersion(join(pgBinDir, 'postgres'), ['--version']),
    REDIS_VERSION:
      (await run('redis-server', ['--version']).catch(() => undefined))?.stdout.match(/v=([\d.]+)/)?.[1] ??
      'unknown',
    CHDB_VERSION: chdb,
  };
}
