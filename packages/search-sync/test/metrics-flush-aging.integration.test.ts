import {
  CREATED_INDEX_COPYING,
  completeCreatedIndex,
  createdIndexTables,
  ensureMetricEventTable,
  metricEventTableDdl,
} from '@engagement/event-bus/sinks/clickhouse';
import { describe, expect, it } from 'vitest';
import { createSearchSync } from '../src/index.js';
import { storeEvents } from './env.js';
import { ago, DAY, type FlushFixture, flushFixture, NOW } from './flush-fixture.js';

// Windows moving on their own: a flush with nothing queued still updates the documents whose events left
// the day or week window since the last flush (real chDB, Redis; Meilisearch fake).
describe('metrics flush of aged windows', () => {
  const f = flushFixture();

  it('queues by itself the ids whose events left a window since the last flush, and only those', async () => {
    await agingScenario(f, await eventsOfOwnType(f));
  });

  it('finds them on a table whose events predate its index: from the event table, then from the index', async () => {
    const { env } = f;
    // A table of its own whose events were stored before its index of creation times existed.
    const table = env.unique('agedBefore');
    await env.clickhouse.command({ query: metricEventTableDdl(table) });
    const stored = await eventsOfOwnType(f, table);
    await ensureMetricEventTable(env.clickhouse, table);
    // Still copying (the insert margin has not passed): ageing reads the event table, and finds them.
    await agingScenario(f, stored, table);
    // Due (a view made 11 minutes ago), but the copy fails: the flushes go on, reading the event table.
    await env.clickhouse.command({
      query: `INSERT INTO ${createdIndexTables(table).index} (entityType, createdAt, entityId)
SELECT '${CREATED_INDEX_COPYING}', toDateTime64(0, 3, 'UTC'), toUnixTimestamp64Milli(now64(3)) - 660000`,
    });
    let failedCopies = 0;
    const failing = new Proxy(env.clickhouse, {
      get(target, name, receiver) {
        if (name !== 'command') return Reflect.get(target, name, receiver);
        return async () => {
          failedCopies++;
          throw new Error('the copy failed');
        };
      },
    });
    await agingScenario(f, stored, table, failing);
    expect(failedCopies).toBeGreaterThan(0);
    // Copied and complete: ageing reads the index, and finds the same ids in it.
    expect(await completeCreatedIndex(env.clickhouse, table, { marginMs: 0 })).toBe(true);
    await agingScenario(f, stored, table);
  });
});

interface Stored {
  type: string;
  leavesDay: number;
  leavesWeek: number;
  alreadyOut: number;
  stays: number;
  /** Created exactly one day before the first flush: in its day window, out of the next one's. */
  leavesAtEdge: number;
}

/** Events of an entity type of this run alone (the ageing query looks at every entity of the type). */
async function eventsOfOwnType(f: FlushFixture, table?: string): Promise<Stored> {
  const { env, entityBase } = f;
  const type = env.unique(`Aged${Math.random().toString(36).slice(2, 6)}`);
  const ids = {
    leavesDay: entityBase + 1,
    leavesWeek: entityBase + 2,
    alreadyOut: entityBase + 3,
    stays: entityBase + 4,
    leavesAtEdge: entityBase + 5,
  };
  const like = (entityId: number, days: number) => ({
    entityType: type,
    entityId,
    metricType: 'likeCount',
    metricValue: 1,
    createdAt: ago(days),
  });
  await storeEvents(
    env.clickhouse,
    [
      like(ids.leavesDay, 0.5),
      like(ids.leavesWeek, 6.5),
      like(ids.alreadyOut, 10),
      like(ids.stays, 0.1),
      like(ids.leavesAtEdge, 1),
    ],
    { table },
  );
  return { type, ...ids };
}

/** A search-sync of its own (index and mark) flushes now, then 0.6 days later with nothing queued. */
async function agingScenario(
  f: FlushFixture,
  stored: Stored,
  metricTable?: string,
  clickhouse = f.env.clickhouse,
): Promise<void> {
  const { env, fake, seedDocuments } = f;
  const { type, leavesDay, leavesWeek, alreadyOut, stays, leavesAtEdge } = stored;
  const uid = env.unique(`aged${Math.random().toString(36).slice(2, 6)}`);
  await seedDocuments(uid, [leavesDay, leavesWeek, alreadyOut, stays, leavesAtEdge]);
  let now = NOW;
  const sync = createSearchSync({
    redis: env.redis,
    clickhouse,
    meilisearch: { host: fake.host, apiKey: 'key' },
    indexes: [{ uid, entityType: type, metricTypes: ['likeCount'] }],
    keyPrefix: `${uid}:`,
    now: () => now,
    taskPollMs: 5,
    ...(metricTable ? { metricTable } : {}),
  });
  // The first flush only sets the mark; the queued ids get their current values.
  await sync.queues.queueMetrics(type, [leavesDay, leavesWeek, alreadyOut, stays, leavesAtEdge]);
  expect(await sync.flushNow()).toMatchObject({ status: 'flushed', metricIds: 5, agedIds: 0 });
  expect(fake.document(uid, leavesAtEdge)).toMatchObject({ likeCountDay: 1 });
  expect(fake.document(uid, leavesDay)).toMatchObject({ likeCountDay: 1, likeCountWeek: 1 });
  expect(fake.document(uid, leavesWeek)).toMatchObject({ likeCountDay: 0, likeCountWeek: 1 });
  const sentBefore = fake.count('PUT', new RegExp(`^/indexes/${uid}/documents$`));

  // A day later, with nothing queued: the day-old event left the day window and the 6.5-day-old one the
  // week window, and so did the one at the day window's first millisecond at the last flush; the 10-day-old
  // one had left the week before, the 0.1-day-old one is still in the day.
  now = new Date(NOW.getTime() + 0.6 * DAY);
  expect(await sync.flushNow()).toMatchObject({ status: 'flushed', agedIds: 3, metricIds: 3 });
  expect(fake.document(uid, leavesAtEdge)).toMatchObject({ likeCountDay: 0, likeCountWeek: 1 });
  expect(fake.document(uid, leavesDay)).toMatchObject({
    likeCountDay: 0,
    likeCountWeek: 1,
    likeCountAllTime: 1,
  });
  expect(fake.document(uid, leavesWeek)).toMatchObject({ likeCountWeek: 0, likeCountMonth: 1 });
  expect(fake.document(uid, stays)).toMatchObject({ likeCountDay: 1 });
  expect(fake.count('PUT', new RegExp(`^/indexes/${uid}/documents$`))).toBe(sentBefore + 1);

  // Nothing left a window since: nothing is queued.
  expect(await sync.flushNow()).toMatchObject({ status: 'flushed', agedIds: 0, metricIds: 0 });
}
