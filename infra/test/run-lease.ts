import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { cmdlineIncludes, isAlive, readPid } from '../stack/process.js';
import { StackError } from '../stack/stack-error.js';

/**
 * One test run per stack. Integration files stop and kill the stack's parts on purpose (outages, crashes,
 * restarts), so a second run on the same stack would find a part down, start it again in the middle of the
 * first run's outage, and, having "started" the stack, stop all of it under the first run when it ends.
 * A run therefore holds a lease on its stack for as long as it lasts, and a second run is refused at once
 * with how to get a stack of its own.
 *
 * The lease is a file holding the run's pid. A lease whose process is gone (a run killed with SIGKILL), or
 * whose pid now belongs to a process that is not a test run (`marker` not in its command line), is stale and
 * taken over. Callers serialise `takeRunLease` with the stack's lock, so two takers never both see it free.
 */
export function takeRunLease(file: string, stackDir: string, marker = 'vitest'): () => void {
  mkdirSync(dirname(file), { recursive: true });
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (readPid(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readPid(file);
    if (
      holder !== undefined &&
      holder !== process.pid &&
      isAlive(holder) &&
      cmdlineIncludes(holder, marker)
    ) {
      throw new StackError(
        `another test run (pid ${holder}) is using the stack in ${stackDir}. Integration tests stop and kill ` +
          'its parts on purpose, so two runs on one stack break each other. Wait for that run to end, or give ' +
          'this one a stack of its own: STACK_DIR=/path/to/another/dir npm test',
      );
    }
    rmSync(file, { force: true });
  }
}
