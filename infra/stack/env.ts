import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { stackPaths } from './paths.js';
import { StackError } from './stack-error.js';

export type StackEnv = Record<string, string>;

/** Written atomically: tests and the host may read it while another `up` rewrites it. */
export function writeStackEnv(env: StackEnv): string {
  const file = stackPaths().envFile;
  const body = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  writeFileSync(`${file}.tmp`, `# Written by infra/stack (npm run stack -- up). Do not edit.\n${body}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Reads <stackDir>/stack.env (STACK_DIR overrides the directory). */
export function readStackEnv(file = stackPaths().envFile): StackEnv {
  if (!existsSync(file)) {
    throw new StackError(
      `${file} not found: run \`npm run stack -- up\` first, or set STACK_DIR to the directory of a stack that is up`,
    );
  }
  const env: StackEnv = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^([A-Z0-9_]+)=(.*)$/);
    if (m?.[1]) env[m[1]] = m[2] ?? '';
  }
  return env;
}
