import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cmdlineIncludes, isAlive, isAncestor } from './process.js';
import { StackError } from './stack-error.js';

/** What uses a stack for a while: a test run (Vitest's global setup) or `npm start`. */
export type StackUserKind = 'test run' | 'npm start';

/** Text each kind's command line carries: a pid now used by another program is not a user. */
const MARKERS: Record<StackUserKind, string> = { 'test run': 'vitest', 'npm start': 'scripts/start.ts' };

interface User {
  pid: number;
  kind: StackUserKind;
}

/**
 * Who is using a stack now, so that no run stops it under another, and runs that would break each other
 * do not share it. Integration tests stop and kill parts on purpose (outages, crashes), so a test run uses
 * its stack alone: a second test run, or an `npm start`, would find a part down mid-outage and start it
 * again, and each would stop the whole stack at its end if it had started it. `npm start`s share a stack
 * with each other. A process started by a user (the test that runs `npm start` as a child) is part of it.
 *
 * A user is a file `<dir>/<pid>` naming its kind; one whose process is gone (killed with SIGKILL) is
 * removed when seen. `started-by-run` records that a user found the stack down and started it: the last
 * user to leave then stops it. A stack started by `npm run stack -- up` has no such mark and keeps
 * running. Callers hold the stack's lock around every method.
 */
export class StackUsers {
  private readonly startedMark: string;

  constructor(
    private readonly dir: string,
    private readonly stackDir: string,
  ) {
    this.startedMark = join(dir, 'started-by-run');
  }

  /** The users whose processes are alive; the others' entries are removed. */
  live(): User[] {
    if (!existsSync(this.dir)) return [];
    const users: User[] = [];
    for (const name of readdirSync(this.dir)) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      const file = join(this.dir, name);
      const kind = readFileSync(file, 'utf8').trim() as StackUserKind;
      if (MARKERS[kind] && isAlive(pid) && cmdlineIncludes(pid, MARKERS[kind])) users.push({ pid, kind });
      else rmSync(file, { force: true });
    }
    return users;
  }

  /** Records `pid` as a user, or refuses with the user it would break (or be broken by) and the way out. */
  join(kind: StackUserKind, pid = process.pid): void {
    const others = this.live().filter((u) => u.pid !== pid && !isAncestor(u.pid, pid));
    const conflict = others.find((u) => kind === 'test run' || u.kind === 'test run');
    if (conflict) {
      const way =
        kind === 'test run'
          ? 'give this test run a stack of its own: STACK_DIR=/path/to/another/dir npm test'
          : 'give this one a stack of its own: STACK_DIR=/path/to/another/dir npm start';
      throw new StackError(
        `${article(conflict.kind)} (pid ${conflict.pid}) is using the stack in ${this.stackDir}, and a test run ` +
          'stops and kills its parts on purpose, so the two would break each other. Wait for it to end, or ' +
          `${way}`,
      );
    }
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, String(pid)), `${kind}\n`);
  }

  /** Notes that a user found the stack down and is starting it. */
  markStartedByRun(): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.startedMark, '');
  }

  /** Forgets that a run started the stack: someone keeps it running (`stack up`), or it is down. */
  clearStartedByRun(): void {
    rmSync(this.startedMark, { force: true });
  }

  /** Removes `pid`; true when the stack should stop now: no user is left and a run started it. */
  leave(pid = process.pid): boolean {
    rmSync(join(this.dir, String(pid)), { force: true });
    return this.live().length === 0 && existsSync(this.startedMark);
  }
}

const article = (kind: StackUserKind) => (kind === 'test run' ? 'a test run' : '`npm start`');
