import type { TestProject } from 'vitest/node';
import { stackDown, stackStatus, stackUp } from '../stack/index.js';
import { withLock } from '../stack/lock.js';
import { stackPaths } from '../stack/paths.js';
import { takeRunLease } from './run-lease.js';

const processParts = new Set(['postgres', 'redis', 'kafka', 'connect', 'clickhouse']);

/**
 * Integration tests share the local stack. A stack that was already up (a developer ran
 * `npm run stack -- up`) is reused and left running; one started here is stopped again at the
 * end, so a fresh clone's `npm test` leaves no process behind. STACK_KEEP=1 keeps it running.
 * One test run at a time per stack (`run-lease.ts`): a second is refused before it touches a part.
 * The stack's settings reach the tests through `inject('stackEnv')`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const paths = stackPaths();
  const release = await withLock(`${paths.run}/stack.lock`, async () =>
    takeRunLease(`${paths.run}/test-run.pid`, paths.dir),
  ).catch((err: Error) => {
    // The message says all there is; the frames of the setup would only bury it.
    err.stack = `${err.name}: ${err.message}`;
    throw err;
  });
  try {
    const before = await stackStatus();
    // 'down', not 'not up': a remote ClickHouse (state 'remote') is never ours to stop.
    const startedHere = before.some((s) => processParts.has(s.name) && s.state === 'down');
    const env = await stackUp();
    project.provide('stackEnv', env);
    return async () => {
      try {
        if (startedHere && !process.env.STACK_KEEP) await stackDown();
      } finally {
        release();
      }
    };
  } catch (err) {
    release();
    throw err;
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}
