import type { EntityMetricEvent } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { encodeMetricMessages } from '../metrics/metric-message.js';
import { InMemoryDeadLetters } from '../testing/in-memory-dead-letters.js';
import { ApplyStage, type ApplyStageOptions } from './apply-stage.js';
import { NOT_STORED_HEADER } from './publish-metric-events.js';

const event = (entityId: number, originSeq: number): EntityMetricEvent => ({
  eventId: `e${entityId}-${originSeq}`,
  entityType: 'Image',
  entityId,
  userId: 1,
  metricType: 'likeCount',
  metricValue: 1,
  createdAt: new Date('2026-11-30T00:00:00Z'),
  origin: 'app.public.ImageReaction:0',
  originSeq,
});

const record = (events: EntityMetricEvent[], offset: number, headers?: Record<string, string>) => ({
  topic: 'eventbus.entity-metric-events',
  partition: 0,
  offset: String(offset),
  key: null,
  value: Buffer.from(encodeMetricMessages(events)[0]!.value),
  headers,
});

describe('the apply stage and the search queue', () => {
  it('applies every event to the cache but queues for search only events already stored', async () => {
    const applied: number[] = [];
    const queued: number[] = [];
    const apply = new ApplyStage({
      deadLetters: new InMemoryDeadLetters(),
      applyToCache: async (events) => {
        for (const e of events) applied.push(e.entityId);
        return { applied: events.length, skipped: 0, updatedKeys: [] } as never;
      },
      queueForSearch: async (events) => void queued.push(...events.map((e) => e.entityId)),
    });
    await apply.applyBatch([
      // The early publish: ClickHouse does not hold these yet, the ingest stage queues them after its store.
      record([event(1, 1), event(2, 2)], 0, { [NOT_STORED_HEADER]: '1' }),
      // A repair's corrections or ClickHouse's own export: stored before they were published.
      record([event(3, 3)], 1),
    ]);
    expect(applied).toEqual([1, 2, 3]);
    expect(queued).toEqual([3]);
  });
});

describe('the apply stage decoding elsewhere', () => {
  const batch = () => [record([event(1, 1), event(2, 2)], 0), record([event(3, 3)], 1)];
  const stage = (decodeMessages: ApplyStageOptions['decodeMessages'], fallbacks: unknown[]) => {
    const applied: EntityMetricEvent[] = [];
    const apply = new ApplyStage({
      deadLetters: new InMemoryDeadLetters(),
      applyToCache: async (events) => {
        applied.push(...events);
        return { applied: events.length, skipped: 0, updatedKeys: [] } as never;
      },
      decodeMessages,
      onDecodeFallback: (error) => void fallbacks.push(error),
    });
    return { apply, applied };
  };

  it('applies the events its decoder gave, and decodes here when the decoder failed', async () => {
    const fallbacks: unknown[] = [];
    const given = stage(
      async (records) => records.map(() => ({ events: [event(9, 9)], invalid: [] })),
      fallbacks,
    );
    await given.apply.applyBatch(batch());
    expect(given.applied.map((e) => e.entityId)).toEqual([9, 9]);
    const failing = stage(async () => {
      throw new Error('pool thread gone');
    }, fallbacks);
    await failing.apply.applyBatch(batch());
    expect(failing.applied).toEqual([event(1, 1), event(2, 2), event(3, 3)]);
    expect(fallbacks).toEqual([new Error('pool thread gone')]);
  });
});

describe('the apply stage applying elsewhere', () => {
  const batch = () => [record([event(1, 1), event(2, 2)], 0), record([event(3, 3)], 1)];
  const stage = (applyElsewhere: ApplyStageOptions['applyElsewhere'], fallbacks: unknown[]) => {
    const applied: EntityMetricEvent[] = [];
    const queued: number[] = [];
    const deadLetters = new InMemoryDeadLetters();
    const apply = new ApplyStage({
      deadLetters,
      applyToCache: async (events) => {
        applied.push(...events);
        return { applied: events.length, skipped: 0, updatedKeys: [] };
      },
      queueForSearch: async (events) => void queued.push(...events.map((e) => e.entityId)),
      applyElsewhere,
      onApplyFallback: (error) => void fallbacks.push(error),
    });
    return { apply, applied, queued, deadLetters };
  };

  it('writes the dead letters and queues the search ids it was handed, without applying here', async () => {
    const fallbacks: unknown[] = [];
    const s = stage(
      async () => ({
        result: { applied: 3, skipped: 0, updatedKeys: [] },
        invalid: [{ index: 1, code: 'EB_BAD_ROW', message: '1 invalid row(s); row 2: no' }],
        stored: [{ entityType: 'Image', entityId: 7 }],
      }),
      fallbacks,
    );
    const records = batch();
    await s.apply.applyBatch(records);
    expect(s.applied).toEqual([]);
    expect(s.queued).toEqual([7]);
    expect(s.deadLetters.letters.map((l) => [l.record, l.reason.code])).toEqual([[records[1], 'EB_BAD_ROW']]);
    expect(fallbacks).toEqual([]);
  });

  it('applies here what it left (undefined) and what it failed', async () => {
    const fallbacks: unknown[] = [];
    const left = stage(async () => undefined, fallbacks);
    await left.apply.applyBatch(batch());
    expect(left.applied).toEqual([event(1, 1), event(2, 2), event(3, 3)]);
    const failing = stage(async () => {
      throw new Error('Redis unreachable from the thread');
    }, fallbacks);
    await failing.apply.applyBatch(batch());
    expect(failing.applied).toEqual([event(1, 1), event(2, 2), event(3, 3)]);
    expect(failing.queued).toEqual([1, 2, 3]);
    expect(fallbacks).toEqual([new Error('Redis unreachable from the thread')]);
  });

  it('tells the threads whether the host is live, so a live batch can stay here', async () => {
    const told: boolean[] = [];
    const s = stage(async (_records, _position, live) => {
      told.push(live);
      return undefined;
    }, []);
    await s.apply.applyBatch(batch(), undefined, undefined, true);
    await s.apply.applyBatch(batch());
    expect(told).toEqual([true, false]);
    const decodedLive: boolean[] = [];
    const decoding = new ApplyStage({
      deadLetters: new InMemoryDeadLetters(),
      applyToCache: async (events) => ({ applied: events.length, skipped: 0, updatedKeys: [] }),
      decodeMessages: async (records, live) => {
        decodedLive.push(live);
        return records.map(() => ({ events: [], invalid: [] }));
      },
    });
    await decoding.applyBatch(batch(), undefined, undefined, true);
    expect(decodedLive).toEqual([true]);
  });
});
