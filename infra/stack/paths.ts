import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const infraDir = join(repoRoot, 'infra');

/** Everything the stack writes (data, logs, pidfiles, env) lives here, so `down --purge` is one rm. */
export function stackDir(): string {
  return resolve(process.env.STACK_DIR ?? join(repoRoot, '.stack'));
}

export const stackPaths = () => {
  const dir = stackDir();
  return {
    dir,
    envFile: join(dir, 'stack.env'),
    portsFile: join(dir, 'ports.json'),
    logs: join(dir, 'logs'),
    run: join(dir, 'run'),
    classpath: join(dir, 'classpath'),
    part: (name: string) => join(dir, name),
    log: (name: string) => join(dir, 'logs', `${name}.log`),
    pidFile: (name: string) => join(dir, 'run', `${name}.pid`),
  };
};

export const mavenPoms = {
  kafka: join(infraDir, 'maven/kafka/pom.xml'),
  connect: join(infraDir, 'maven/connect/pom.xml'),
} as const;
export type MavenProject = keyof typeof mavenPoms;

export const postgresMigrationsDir = join(infraDir, 'postgres/migrations');
export const clickhouseDdlDir = join(infraDir, 'clickhouse');
export const pgBinDir = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
