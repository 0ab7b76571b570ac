import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type OperationContext, queue, react } from './operation.js';
import { operations } from './operations.js';
import type { SampleWorld } from './sample-world.js';

/** A database that records what it is asked and changes one row. */
function recordingDb() {
  const queries: unknown[][] = [];
  const db = {
    query: async (_text: string, values: unknown[]) => {
      queries.push(values);
      return { rowCount: 1, rows: [] };
    },
  } as unknown as pg.Client;
  return { db, queries };
}

const world = (entries: number[]) => ({ entries, users: [7] }) as unknown as SampleWorld;

describe('sql operations', () => {
  it('skip a change whose pick came from an empty pool instead of sending NULL', async () => {
    const { db, queries } = recordingDb();
    const ctx = (entries: number[]): OperationContext => ({ db, world: world(entries), clickhouse: null });
    const reactToEntry = react('BountyEntryReaction', 'bountyEntryId', 'entries');
    expect(await reactToEntry(ctx([]))).toBe(0);
    expect(queries).toEqual([]);
    expect(await reactToEntry(ctx([3]))).toBe(1);
    expect(queries).toEqual([[3, 7, expect.any(String)]]);
  });

  it('publish no ClickHouse row whose pick came from an empty pool', async () => {
    const clickhouse = new Map<string, Record<string, unknown>[]>();
    const noVersions = { versions: new Map(), users: [7] } as unknown as SampleWorld;
    for (const name of ['download', 'generation', 'compensation']) {
      const op = operations.find((o) => o.name === name)!;
      expect(await op.run({ db: recordingDb().db, world: noVersions, clickhouse })).toBe(0);
    }
    expect([...clickhouse.values()].flat()).toEqual([]);
    expect(queue(clickhouse, 't', () => ({ modelVersionId: 3, resourcesUsed: [3, 4] }))).toBe(1);
    expect(clickhouse.get('t')).toEqual([{ modelVersionId: 3, resourcesUsed: [3, 4] }]);
  });

  it('create no model version once every model is gone (a deleted user takes their models along)', async () => {
    const versionCreate = operations.find((o) => o.name === 'version.create')!;
    const noModels = { models: [], versions: new Map() } as unknown as SampleWorld;
    const { db, queries } = recordingDb();
    expect(await versionCreate.run({ db, world: noModels, clickhouse: null })).toBe(0);
    expect(queries).toEqual([]);
  });
});
