import type { TestProject } from 'vitest/node';
import { stackDown, stackStatus, stackUp } from '../stack/index.js';

const processParts = new Set(['postgres', 'redis', 'kafka', 'connect', 'clickhouse']);
let startedHere = false;

/**
 * Integration tests share the local stack. A stack that was already up (a developer ran
 * `npm run stack -- up`) is reused and left running; one started here is stopped again at the
 * end, so a fresh clone's `npm test` leaves no process behind. STACK_KEEP=1 keeps it running.
 * The stack's settings reach the tests through `inject('stackEnv')`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const before = await stackStatus();
  // 'down', not 'not up': a remote ClickHouse (state 'remote') is never ours to stop.
  startedHere = before.some((s) => processParts.has(s.name) && s.state === 'down');
  const env = await stackUp();
  project.provide('stackEnv', env);
  return async () => {
    if (startedHere && !process.env.STACK_KEEP) await stackDown();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}
