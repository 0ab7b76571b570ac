import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { RollStateCache } from './roll-state.js';
import { HEAD_REUSE_MS } from './rollup-schema.js';

// RollStateCache against a client double that answers the roll-state query: when it reads again and when it
// may not use what it read. (That a state read before later rolls and a compaction still reads exactly is in
// metric-rollup.test.ts, on chDB.)
const SERVER_T0 = Date.UTC(2026, 0, 1);

function rollTable(opts: { headAgeMs?: number; committed?: boolean } = {}) {
  let clock = 0;
  const calls = { n: 0 };
  let fail: Error | undefined;
  let release: (() => void) | undefined;
  let held = false;
  const client = {
    async query() {
      calls.n++;
      const now = SERVER_T0 + clock; // the server's clock moves with this process's
      if (held) await new Promise<void>((r) => (release = r));
      if (fail) throw fail;
      const row = {
        gen: '7',
        phase: opts.committed === false ? 'begin' : 'commit',
        base: '0',
        cuts: { 'o:0': 41 },
        at: SERVER_T0 - (opts.headAgeMs ?? 0),
        floors: {},
        now,
      };
      return { json: async () => [row] };
    },
  } as unknown as ClickHouseClient;
  return {
    client,
    calls,
    at: (ms: number) => (clock = ms),
    clock: () => clock,
    failWith: (e: Error | undefined) => (fail = e),
    hold: () => (held = true),
    let: () => {
      held = false;
      release?.();
    },
  };
}

describe('RollStateCache', () => {
  it('keeps using a state past maxAgeMs, and reads again when refreshed', async () => {
    const t = rollTable();
    const cache = new RollStateCache(t.client, { clock: t.clock });
    const first = await cache.read();
    expect(first?.head?.gen).toBe(7);
    expect(first?.readAtMs).toBe(SERVER_T0);
    t.at(999);
    cache.refresh(); // not due yet
    expect(await cache.read()).toBe(first);
    expect(t.calls.n).toBe(1);
    // Past maxAgeMs the state still serves queries: no read on their path.
    t.at(1_000);
    expect(await cache.read()).toBe(first);
    expect(t.calls.n).toBe(1);
    // A refresh (after a query) reads it again; queries meanwhile use the old state.
    t.hold();
    cache.refresh();
    cache.refresh(); // one read at a time
    expect(t.calls.n).toBe(2);
    expect(await cache.read()).toBe(first);
    t.let();
    await new Promise((r) => setTimeout(r, 0));
    const second = await cache.read();
    expect(second).not.toBe(first);
    expect(second?.head?.gen).toBe(7);
    expect(t.calls.n).toBe(2);
    // maxAgeMs 0: every query reads first.
    const every = new RollStateCache(t.client, { maxAgeMs: 0, clock: t.clock });
    expect(await every.read()).toBeTruthy();
    t.at(5_000);
    every.refresh(); // nothing to refresh: the next query reads first
    expect(t.calls.n).toBe(3);
    expect(await every.read()).toBeTruthy();
    expect(t.calls.n).toBe(4);
  });

  it('keeps the state it had when a refresh fails', async () => {
    const t = rollTable();
    const cache = new RollStateCache(t.client, { clock: t.clock });
    const first = await cache.read();
    t.at(5_000);
    t.failWith(new Error('connection refused'));
    cache.refresh();
    await new Promise((r) => setTimeout(r, 0));
    expect(t.calls.n).toBe(2);
    expect(await cache.read()).toBe(first);
    t.failWith(undefined);
    cache.refresh();
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.read()).not.toBe(first);
    expect(t.calls.n).toBe(3);
  });

  it(`stops using a head once the server's clock may be HEAD_REUSE_MS past its start`, async () => {
    const t = rollTable({ headAgeMs: HEAD_REUSE_MS - 1_000 });
    const cache = new RollStateCache(t.client, { maxAgeMs: 60_000, clock: t.clock });
    const first = await cache.read();
    t.at(1_000); // the head began HEAD_REUSE_MS ago by now
    expect(await cache.read()).toBe(first);
    expect(t.calls.n).toBe(1);
    t.at(1_001);
    await cache.read();
    expect(t.calls.n).toBe(2);
    // A state read too late to be used again is read for every query.
    await cache.read();
    expect(t.calls.n).toBe(3);
  });

  it('shares one running read, keeps no failure and no state without a head', async () => {
    const t = rollTable();
    const cache = new RollStateCache(t.client, { clock: t.clock });
    t.hold();
    const a = cache.read();
    const b = cache.read();
    t.let();
    expect(await a).toBe(await b);
    expect(t.calls.n).toBe(1);

    // A failed read is not kept: the next query that needs one reads again.
    const failing = new RollStateCache(t.client, { clock: t.clock });
    t.failWith(new Error('connection refused'));
    await expect(failing.read()).rejects.toThrow('connection refused');
    t.failWith(undefined);
    expect((await failing.read())?.head?.gen).toBe(7);
    expect(t.calls.n).toBe(3);

    const unrolled = rollTable({ committed: false });
    const before = new RollStateCache(unrolled.client, { clock: unrolled.clock });
    expect((await before.read())?.head).toBeNull();
    expect((await before.read())?.head).toBeNull();
    expect(unrolled.calls.n).toBe(2); // reads use the event table until a roll commits: no state to keep
  });
});
