import { createToken } from '@engagement/plugin-api';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HostContainer } from './host-scope.js';
import { HostLifecycle } from './lifecycle.js';

const logger = pino({ level: 'silent' });

describe('HostContainer', () => {
  it('resolves what was provided, finds nothing for a part left out, and names a missing part', () => {
    const container = new HostContainer(
      new HostLifecycle({ logger, deadlineMs: 1_000, deadlineSetting: '' }),
    );
    const pool = createToken<{ size: number }>('host.testPool');
    const absent = createToken<string>('host.testAbsent');
    const value = { size: 2 };
    expect(container.provide(pool, value)).toBe(value);
    expect(container.get(pool)).toBe(value);
    expect(container.find(absent)).toBeUndefined();
    expect(() => container.get(absent)).toThrow('host part host.testAbsent is not registered');
  });

  it('parts provided with a close hook are closed by the lifecycle, last provided first', async () => {
    const lifecycle = new HostLifecycle({ logger, deadlineMs: 1_000, deadlineSetting: '' });
    const container = new HostContainer(lifecycle);
    const closed: string[] = [];
    container.provide(createToken<string>('host.first'), 'a', (v) => void closed.push(v));
    container.provide(createToken<string>('host.kept'), 'shared');
    container.provide(createToken<string>('host.second'), 'b', (v) => void closed.push(v));
    expect(await lifecycle.stop()).toEqual({ failed: [] });
    expect(closed).toEqual(['b', 'a']);
  });

  it('two hosts in one process keep their own parts', () => {
    const token = createToken<string>('host.shared');
    const one = new HostContainer(new HostLifecycle({ logger, deadlineMs: 1_000, deadlineSetting: '' }));
    const two = new HostContainer(new HostLifecycle({ logger, deadlineMs: 1_000, deadlineSetting: '' }));
    one.provide(token, 'one');
    two.provide(token, 'two');
    expect([one.get(token), two.get(token)]).toEqual(['one', 'two']);
  });
});
