import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopPid } from './process.js';
import { type StackUserKind, StackUsers } from './stack-users.js';

const COMMAND_WORD: Record<StackUserKind, string> = { 'test run': 'vitest', 'npm start': 'scripts/start.ts' };

describe('StackUsers', () => {
  let dir: string;
  let users: StackUsers;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stack-users-'));
    users = new StackUsers(join(dir, 'run', 'users'), dir);
  });
  /** Processes started by the children: killing a child leaves them running. */
  const grandchildren: number[] = [];
  afterEach(async () => {
    await Promise.all(grandchildren.splice(0).map((pid) => stopPid(pid)));
    await killChildren();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Kills the processes started so far and waits until each is gone (reaped, so no longer alive). */
  const killChildren = () =>
    Promise.all(
      children.splice(0).map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
            child.once('exit', resolve);
            child.kill('SIGKILL');
          }),
      ),
    );

  /** A live process whose command line carries `word`, as a test run's or an `npm start`'s does. */
  const processWith = (word: string): number => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', word], { stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  };
  /** A user of `kind` in another process, entered the way `join` enters one. */
  const otherUser = (kind: StackUserKind): number => {
    const pid = processWith(COMMAND_WORD[kind]);
    users.join(kind, pid);
    return pid;
  };
  /** A process of `parentWord` with a child of `childWord`: the child's pid once it runs. */
  const childOf = async (parentWord: string, childWord: string) => {
    const script = `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '${childWord}']); console.log(c.pid); setInterval(() => {}, 1000)`;
    const parent = spawn(process.execPath, ['-e', script, parentWord], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(parent);
    const line = await new Promise<string>((resolve) =>
      parent.stdout!.once('data', (d) => resolve(String(d))),
    );
    const child = Number(line.trim());
    grandchildren.push(child);
    return { parent: parent.pid!, child };
  };

  it('lets a test run use the stack alone, and npm starts share it with each other', async () => {
    const run = otherUser('test run');
    expect(() => users.join('test run')).toThrow(`a test run (pid ${run}) is using the stack in ${dir}`);
    expect(() => users.join('test run')).toThrow('STACK_DIR=/path/to/another/dir npm test');
    expect(() => users.join('npm start')).toThrow(`a test run (pid ${run})`);
    expect(() => users.join('npm start')).toThrow('STACK_DIR=/path/to/another/dir npm start');

    await killChildren();
    const start = otherUser('npm start');
    expect(() => users.join('test run')).toThrow(`\`npm start\` (pid ${start}) is using the stack`);
    const second = otherUser('npm start');
    expect(users.live().map((u) => u.pid)).toEqual(expect.arrayContaining([start, second]));
  });

  it('counts a process started by a user as part of it (the test that runs npm start)', async () => {
    const { parent, child } = await childOf('vitest', 'scripts/start.ts');
    users.join('test run', parent);
    users.join('npm start', child);
    expect(users.live()).toHaveLength(2);
  });

  it('forgets users whose process is gone, or whose pid another program now has', () => {
    const gone = spawnSync('true').pid!;
    const usersDir = join(dir, 'run', 'users');
    mkdirSync(usersDir, { recursive: true });
    writeFileSync(join(usersDir, String(gone)), 'test run\n');
    writeFileSync(join(usersDir, String(processWith('something-else'))), 'test run\n');
    users.join('test run');
    expect(users.live()).toEqual([{ pid: process.pid, kind: 'test run' }]);
    expect(readdirSync(usersDir)).toEqual([String(process.pid)]);
  });

  it('has the last user stop the stack only when a run started it', async () => {
    const start = otherUser('npm start');
    users.markStartedByRun();
    users.join('npm start');
    expect(users.leave()).toBe(false); // the other npm start still runs on it
    await killChildren();
    users.join('npm start');
    expect(users.live().map((u) => u.pid)).not.toContain(start);
    expect(users.leave()).toBe(true);

    users.clearStartedByRun(); // `stack up` by hand: it keeps running
    users.join('test run');
    expect(users.leave()).toBe(false);
    expect(existsSync(join(dir, 'run', 'users', String(process.pid)))).toBe(false);
  });
});
