import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { takeRunLease } from './run-lease.js';

describe('takeRunLease', () => {
  let dir: string;
  let file: string;
  let other: ChildProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'run-lease-'));
    file = join(dir, 'run', 'test-run.pid');
    mkdirSync(join(dir, 'run'));
  });
  afterEach(() => {
    other?.kill('SIGKILL');
    other = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A live process whose command line carries `word`, as a second test run's would. */
  const liveProcess = (word: string): number => {
    other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', word], { stdio: 'ignore' });
    return other.pid!;
  };

  it('refuses a second run while the first is alive, naming its pid and the way out', () => {
    const pid = liveProcess('vitest');
    writeFileSync(file, `${pid}\n`);
    expect(() => takeRunLease(file, dir)).toThrow(
      `another test run (pid ${pid}) is using the stack in ${dir}`,
    );
    expect(() => takeRunLease(file, dir)).toThrow('STACK_DIR=');
    expect(readFileSync(file, 'utf8')).toBe(`${pid}\n`);
  });

  it('takes over a lease whose run is gone, or whose pid is now another program', () => {
    const gone = spawnSync('true').pid!;
    const release = takeRunLease(file, dir);
    release();
    writeFileSync(file, `${gone}\n`);
    takeRunLease(file, dir)();
    writeFileSync(file, `${liveProcess('not-a-test-run')}\n`);
    takeRunLease(file, dir);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
  });

  it('is released by its holder only', () => {
    const release = takeRunLease(file, dir);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    release();
    expect(existsSync(file)).toBe(false);

    const releaseAgain = takeRunLease(file, dir);
    const pid = liveProcess('vitest');
    writeFileSync(file, `${pid}\n`);
    releaseAgain();
    expect(readFileSync(file, 'utf8')).toBe(`${pid}\n`);
  });
});
