import { describe, expect, it } from 'vitest';
import { plugins } from '../index.js';
import type { MetricListener } from './define-metric-listener.js';

describe('a count follows its row to a new parent', () => {
  it('every Postgres metric listener handles updates, so a row moved between parents moves its share', () => {
    const listeners = plugins
      .flatMap((p) => p.listeners)
      .filter((l): l is MetricListener => 'declaration' in l);
    const withoutUpdates = listeners
      .filter((l) => l.declaration.source === 'postgres' && !l.declaration.ops.includes('u'))
      .map((l) => l.id);
    expect(listeners.length).toBeGreaterThan(20);
    expect(withoutUpdates).toEqual([]);
  });
});
