import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { answersWhileAlive } from './owned-process.js';

describe('answersWhileAlive', () => {
  it('keeps a server whose first checks fail or time out (a loaded machine), once one answers', async () => {
    let calls = 0;
    const answers = async () => {
      calls++;
      if (calls === 1) throw new Error('timeout exceeded when trying to connect');
      return calls >= 3;
    };
    expect(await answersWhileAlive(process.pid, answers, 10_000)).toBe(true);
    expect(calls).toBe(3);
  });

  it('gives up after the grace period on a live process that never answers', async () => {
    const started = Date.now();
    expect(await answersWhileAlive(process.pid, async () => false, 1_200)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
  });

  it('gives up at once when the process is gone', async () => {
    const gone = spawnSync('true').pid;
    const started = Date.now();
    expect(await answersWhileAlive(gone, async () => false, 10_000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
