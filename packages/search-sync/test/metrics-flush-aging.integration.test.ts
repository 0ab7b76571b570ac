import { describe, expect, it } from 'vitest';
import { createSearchSync } from '../src/index.js';
import { storeEvents } from './env.js';
import { ago, DAY, flushFixture, NOW } from './flush-fixture.js';

// Windows moving on their own: a flush with nothing queued still updates the documents whose events left
// the day or week window since the last flush (real chDB, Redis; Meilisearch fake).
describe('metrics flush of aged windows', () => {
  const f = flushFixture();

  it('queues by itself the ids whose events left a window since the last flush, and only those', async () => {
    const { env, fake, seedDocuments, entityBase } = f;
    // An entity type of this test alone: the aging query looks at every entity of the type.
    const type = env.unique(`Aged${Math.random().toString(36).slice(2, 6)}`);
    const uid = env.unique(`aged${Math.random().toString(36).slice(2, 6)}`);
    const leavesDay = entityBase + 1;
    const leavesWeek = entityBase + 2;
    const alreadyOut = entityBase + 3;
    const stays = entityBase + 4;
    await seedDocuments(uid, [leavesDay, leavesWeek, alreadyOut, stays]);
    await storeEvents(env.clickhouse, [
      { entityType: type, entityId: leavesDay, metricType: 'likeCount', metricValue: 1, createdAt: ago(0.5) },
      {
        entityType: type,
        entityId: leavesWeek,
        metricType: 'likeCount',
        metricValue: 1,
        createdAt: ago(6.5),
      },
      { entityType: type, entityId: alreadyOut, metricType: 'likeCount', metricValue: 1, createdAt: ago(10) },
      { entityType: type, entityId: stays, metricType: 'likeCount', metricValue: 1, createdAt: ago(0.1) },
    ]);
    let now = NOW;
    const sync = createSearchSync({
      redis: env.redis,
      clickhouse: env.clickhouse,
      meilisearch: { host: fake.host, apiKey: 'key' },
      indexes: [{ uid, entityType: type, metricTypes: ['likeCount'] }],
      keyPrefix: `${uid}:`,
      now: () => now,
      taskPollMs: 5,
    });
    // The first flush only sets the mark; the queued ids get their current values.
    await sync.queues.queueMetrics(type, [leavesDay, leavesWeek, alreadyOut, stays]);
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', metricIds: 4, agedIds: 0 });
    expect(fake.document(uid, leavesDay)).toMatchObject({ likeCountDay: 1, likeCountWeek: 1 });
    expect(fake.document(uid, leavesWeek)).toMatchObject({ likeCountDay: 0, likeCountWeek: 1 });
    const sentBefore = fake.count('PUT', new RegExp(`^/indexes/${uid}/documents$`));

    // A day later, with nothing queued: the day-old event left the day window and the 6.5-day-old one the
    // week window; the 10-day-old one had left the week before, the 0.1-day-old one is still in the day.
    now = new Date(NOW.getTime() + 0.6 * DAY);
    expect(await sync.flushNow()).toMatchObject({ status: 'flushed', agedIds: 2, metricIds: 2 });
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
  });
});
