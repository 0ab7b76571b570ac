import type { TestProject } from 'vitest/node';
import { joinStack, leaveStack, StackError, stackUp } from '../stack/index.js';

/**
 * Integration tests share the local stack. A stack that was already up (a developer ran
 * `npm run stack -- up`) is reused and left running; one started by a test run is stopped again at its
 * end, so a fresh clone's `npm test` leaves no process behind. STACK_KEEP=1 keeps it running.
 * A test run uses its stack alone (infra/stack/stack-users.ts): beside another test run or an `npm start`
 * it stops before touching a part, with how to give it a stack of its own.
 * The stack's settings reach the tests through `inject('stackEnv')`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await joinStack('test run').catch((err: Error) => {
    // The message says all there is; the setup's frames would only bury it.
    if (err instanceof StackError) err.stack = `Error: ${err.message}`;
    throw err;
  });
  const leave = () => leaveStack({ keep: Boolean(process.env.STACK_KEEP) });
  try {
    project.provide('stackEnv', await stackUp());
  } catch (err) {
    await leave();
    throw err;
  }
  return async () => {
    await leave();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}
