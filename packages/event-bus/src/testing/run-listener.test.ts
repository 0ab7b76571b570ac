import { createToken, defineListener } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { fakeEvent } from './fake-events.js';
import { runListener } from './run-listener.js';

interface Lookup {
  parentOf(id: number): number;
}
const lookupToken = createToken<Lookup>('bm.lookup');

const withLookup = defineListener({
  id: 'x.deps',
  tables: ['Bookmark'],
  deps: { lookup: lookupToken },
  canHandle: (e) => e.table === 'Bookmark',
  handle(e, { metrics, lookup }) {
    const id = Number(e.after?.id);
    metrics.add({
      entityType: 'Post',
      entityId: lookup.parentOf(id),
      metricType: 'bookmarkCount',
      metricValue: 1,
    });
  },
});

const created = () => fakeEvent.postgres('Bookmark').created({ id: 1 });

describe('runListener', () => {
  it('runs a listener with the dependencies given as deps', async () => {
    const out = await runListener(withLookup, created(), { lookup: { parentOf: (id) => id * 10 } });
    expect(out.map((m) => [m.entityId, m.metricValue])).toEqual([[10, 1]]);
  });

  it('refuses a listener whose dependency is not in deps as a host would, naming the token', async () => {
    const error = await runListener(withLookup, created()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EB_DEPENDENCY_MISSING', retriable: false });
    expect((error as Error).message).toBe(
      'EB_DEPENDENCY_MISSING: plugin "test:x.deps": listener "x.deps" needs bm.lookup, which nobody provides',
    );
  });
});
