import type { RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { plugins } from '@engagement/metric-listeners';
import type { Logger } from '@engagement/plugin-api';
import { describe, expect, it, vi } from 'vitest';
import { Recomputer, type RecomputerOptions } from './recomputer.js';

/** The commands the leader lease sends, answered as a free lease would be. */
const lease = { set: async () => 'OK', eval: async () => 1, pttl: async () => 30_000 };

function logger() {
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() };
  return { log, asLogger: { ...log, child: () => log } as unknown as Logger };
}

/**
 * A recomputer whose pass fails inside its try (where the host's closed pool fails it at shutdown): the
 * source topics are asked for after the touches are taken, and the answer fails once `fail` is called.
 */
function failingPass() {
  let fail!: () => void;
  let started!: () => void;
  const passStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const queue = {
    pending: async () => 1,
    due: async () => ({ members: ['7:likeCount'], scores: [0] }),
    done: async () => undefined,
  } as unknown as RedisTouchQueue;
  const { log, asLogger } = logger();
  const recomputer = new Recomputer({
    plugins,
    redis: lease,
    queue,
    scopeKey: 'test',
    settleMs: 0,
    intervalMs: 0,
    logger: asLogger,
    sourceTopics: () => {
      started();
      return new Promise((_, reject) => {
        fail = () => reject(new Error('Cannot use a pool after calling end'));
      });
    },
  } as unknown as RecomputerOptions);
  return { recomputer, log, passStarted, fail: () => fail() };
}

describe('Recomputer', () => {
  it('counts a pass that fails while running as a failure', async () => {
    const { recomputer, log, passStarted, fail } = failingPass();
    recomputer.start();
    await passStarted;
    fail();
    await vi.waitFor(() => expect(log.warn).toHaveBeenCalledWith(expect.anything(), 'recompute.pass.failed'));
    expect(recomputer.stats.failures).toBe(1);
    await recomputer.stop(0);
  });

  it('does not report a pass cut short by stop (the host closing its clients) as failed', async () => {
    const { recomputer, log, passStarted, fail } = failingPass();
    recomputer.start();
    await passStarted;
    await recomputer.stop(10);
    fail();
    await vi.waitFor(() =>
      expect(log.info).toHaveBeenCalledWith(expect.anything(), 'recompute.pass.cut_short'),
    );
    expect(log.warn).not.toHaveBeenCalled();
    expect(recomputer.stats.failures).toBe(0);
  });
});
