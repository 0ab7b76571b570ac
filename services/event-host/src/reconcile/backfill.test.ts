import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReconcileOptions } from './reconcile-options.js';

// The engine itself is exercised by backfill.integration.test.ts; here only what backfill hands it and saves.
const calls: ReconcileOptions[] = [];
let roundIds: number[] = [];
let killAfterRound = false;
vi.mock('./reconcile.js', () => ({
  async reconcile(options: ReconcileOptions & { selection: unknown; onRound(r: unknown): Promise<void> }) {
    calls.push(options);
    await options.onRound({
      caughtUp: true,
      corrections: roundIds.length,
      batches: [{ entityType: 'Image', entityIds: roundIds, truthRows: roundIds.length }],
    });
    if (killAfterRound) throw new Error('killed after saving its first round');
    return { run: 'r', entities: roundIds.length, seconds: 1 };
  },
}));
const { backfill } = await import('./backfill.js');

/** A Redis of hashes, as much of it as backfill uses. */
function fakeRedis() {
  const hashes = new Map<string, Record<string, string>>();
  return {
    hashes,
    async hgetall(key: string) {
      return { ...(hashes.get(key) ?? {}) };
    },
    async hset(key: string, fields: Record<string, number>) {
      const h = hashes.get(key) ?? {};
      for (const [f, v] of Object.entries(fields)) h[f] = String(v);
      hashes.set(key, h);
      return 1;
    },
    async del(key: string) {
      return hashes.delete(key) ? 1 : 0;
    },
  };
}

let sourceRows = 1000;
const postgres = { query: async () => ({ rows: [{ total: String(sourceRows), done: '0' }] }) };

describe('backfill progress', () => {
  let redis: ReturnType<typeof fakeRedis>;
  const run = (metric?: string) =>
    backfill({
      redis,
      postgres,
      entityTypes: ['Image'],
      metric,
      progressKey: 'eventbus:backfill:progress:wm',
    } as never);
  const afterOf = (i: number) =>
    Object.fromEntries(
      (calls[i] as unknown as { selection: { after: Map<string, number> } }).selection.after,
    );

  beforeEach(() => {
    calls.length = 0;
    redis = fakeRedis();
    killAfterRound = false;
    sourceRows = 1000;
  });

  it("a killed --metric run's progress does not make a run of another metric skip entities", async () => {
    roundIds = [1, 2, 657];
    killAfterRound = true;
    await expect(run('likeCount')).rejects.toThrow('killed');
    killAfterRound = false;
    roundIds = [];
    const other = await run('commentCount');
    expect(afterOf(1)).toEqual({}); // commentCount of images 1…657 was never written: start at the first
    expect(other.resumedFrom).toEqual({});
    const all = await run();
    expect(afterOf(2)).toEqual({});
    // The killed run itself still resumes where it stopped.
    const again = await run('likeCount');
    expect(afterOf(3)).toEqual({ Image: 657 });
    expect(again.resumedFrom).toEqual({ Image: 657 });
    expect(all.resumedFrom).toEqual({});
  });

  it('a run of every metric resumes from its own saved progress under the documented key', async () => {
    roundIds = [1, 2, 40];
    killAfterRound = true;
    await expect(run()).rejects.toThrow('killed');
    expect(redis.hashes.get('eventbus:backfill:progress:wm')).toEqual({ Image: '40' });
    killAfterRound = false;
    roundIds = [];
    await run();
    expect(afterOf(1)).toEqual({ Image: 40 });
    expect(redis.hashes.size).toBe(0); // a finished run clears its progress
  });

  it('progress never passes 100%: entities found beyond the rows counted at the start raise the total', async () => {
    sourceRows = 2; // e.g. a third entity has stored events but no source row any more
    roundIds = [1, 2, 3];
    const seen: { done: number; total: number; etaSeconds: number | null }[] = [];
    await backfill({
      redis,
      postgres,
      entityTypes: ['Image'],
      progressKey: 'eventbus:backfill:progress:wm',
      onProgress: (p: { done: number; total: number; etaSeconds: number | null }) => seen.push(p),
    } as never);
    expect(seen).toMatchObject([
      { rounds: 0, done: 0, total: 2, etaSeconds: null }, // at once, before the lock and the first round
      { rounds: 1, done: 3, total: 3, etaSeconds: 0 },
    ]);
  });
});
