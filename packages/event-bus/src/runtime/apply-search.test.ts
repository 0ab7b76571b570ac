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
