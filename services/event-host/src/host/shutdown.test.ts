import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ShutdownResult } from './lifecycle.js';
import { exitOnShutdownSignal } from './shutdown.js';

const logger = pino({ level: 'silent' });

function fakeHost(stopMs: number) {
  const calls: string[] = [];
  return {
    calls,
    stop: () => {
      calls.push('stop');
      return new Promise<ShutdownResult>((resolve) => setTimeout(() => resolve({ failed: [] }), stopMs));
    },
    abort: () => void calls.push('abort'),
  };
}

describe('exitOnShutdownSignal', () => {
  it('drains on SIGTERM and exits 0 when the host stopped in time', async () => {
    const signals = new EventEmitter();
    const host = fakeHost(20);
    const code = exitOnShutdownSignal(host, { deadlineMs: 1_000, logger, process: signals as never });
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await code).toBe(0);
    expect(host.calls).toEqual(['stop']);
  });

  it('exits 1 naming what failed when the host stopped but could not close everything', async () => {
    const signals = new EventEmitter();
    const logged: unknown[] = [];
    const host = {
      stop: async () => ({ failed: [{ name: 'host.redis', error: new Error('refused') }] }),
      abort: () => undefined,
    };
    const spy = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const code = exitOnShutdownSignal(host, { deadlineMs: 1_000, logger: spy, process: signals as never });
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await code).toBe(1);
    expect(logged).toEqual([
      expect.objectContaining({ msg: 'host.shutdown.failed', failed: ['host.redis'] }),
    ]);
  });

  it('aborts and exits 1 when the deadline passes', async () => {
    const signals = new EventEmitter();
    const host = fakeHost(5_000);
    const code = exitOnShutdownSignal(host, { deadlineMs: 50, logger, process: signals as never });
    signals.emit('SIGINT', 'SIGINT');
    expect(await code).toBe(1);
    expect(host.calls).toEqual(['stop', 'abort']);
  });

  it('a second signal exits at once; a relayed duplicate of the first does not', async () => {
    const signals = new EventEmitter();
    const host = fakeHost(5_000);
    const code = exitOnShutdownSignal(host, { deadlineMs: 10_000, logger, process: signals as never });
    signals.emit('SIGINT', 'SIGINT');
    signals.emit('SIGINT', 'SIGINT'); // the same Ctrl-C, relayed by a wrapper
    await new Promise((r) => setTimeout(r, 600));
    expect(host.calls).toEqual(['stop']);
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await code).toBe(130);
    expect(host.calls).toEqual(['stop', 'abort']);
  });
});
