import { describe, expect, it } from 'vitest';
import type { MetricTimeframe } from '../sinks/clickhouse/timeframes.js';
import type { MetricReader, MetricRequest, MetricValues } from './metric-reader.js';
import { createRolloutReader, type RolloutDifference, type RolloutMode } from './rollout-reader.js';

type Values = Record<number, Record<string, Record<string, number>>>;

/** A reader answering from fixed values, counting its reads; `gate` holds its answer until released. */
function readerOf(values: Values, gate?: Promise<void>, failure?: Error) {
  const reader = {
    reads: 0,
    async getMetrics<M extends string, T extends MetricTimeframe>(request: MetricRequest<M, T>) {
      reader.reads++;
      await gate;
      if (failure) throw failure;
      return new Map(request.entityIds.map((id) => [id, values[id]])) as MetricValues<M, T>;
    },
  };
  return reader satisfies MetricReader;
}

const request: MetricRequest<'likeCount', 'all' | 'day'> = {
  entityType: 'Image',
  entityIds: [1, 2],
  metrics: ['likeCount'],
  timeframes: ['all', 'day'],
};
const legacyValues: Values = { 1: { likeCount: { all: 5, day: 1 } }, 2: { likeCount: { all: 3, day: 0 } } };
const streamValues: Values = { 1: { likeCount: { all: 6, day: 2 } }, 2: { likeCount: { all: 3, day: 0 } } };

describe('the rollout reader', () => {
  it('serves each request from the source its mode names, asking the mode every time', async () => {
    const legacy = readerOf(legacyValues);
    const stream = readerOf(streamValues);
    let mode: RolloutMode = 'legacy';
    const reader = createRolloutReader({ legacy, stream, mode: () => mode });
    expect((await reader.getMetrics(request)).get(1)).toEqual({ likeCount: { all: 5, day: 1 } });
    mode = 'stream';
    expect((await reader.getMetrics(request)).get(1)).toEqual({ likeCount: { all: 6, day: 2 } });
    expect([legacy.reads, stream.reads]).toEqual([1, 1]);
  });

  it('in shadow answers with the legacy values at once and reports what the stream reads differently', async () => {
    let release!: () => void;
    const stream = readerOf(
      streamValues,
      new Promise((r) => {
        release = r;
      }),
    );
    const found: RolloutDifference[][] = [];
    const reader = createRolloutReader({
      legacy: readerOf(legacyValues),
      stream,
      mode: () => 'shadow',
      onDifferences: (d) => found.push(d),
    });
    // The stream's read is still held: the caller does not wait for it.
    expect((await reader.getMetrics(request)).get(1)).toEqual({ likeCount: { all: 5, day: 1 } });
    expect(found).toEqual([]);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(found).toEqual([
      [
        { entityType: 'Image', entityId: 1, metric: 'likeCount', timeframe: 'all', legacy: 5, stream: 6 },
        { entityType: 'Image', entityId: 1, metric: 'likeCount', timeframe: 'day', legacy: 1, stream: 2 },
      ],
    ]);
  });

  it('never fails a read for the shadow or the flag: those go to onError', async () => {
    const errors: string[] = [];
    const reader = createRolloutReader({
      legacy: readerOf(legacyValues),
      stream: readerOf(streamValues, undefined, new Error('redis down')),
      mode: () => 'shadow',
      onError: (e, where) => errors.push(`${where}: ${(e as Error).message}`),
    });
    expect((await reader.getMetrics(request)).get(2)).toEqual({ likeCount: { all: 3, day: 0 } });
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toEqual(['shadow: redis down']);

    const stream = readerOf(streamValues);
    const flagDown = createRolloutReader({
      legacy: readerOf(legacyValues),
      stream,
      mode: () => {
        throw new Error('flag service unreachable');
      },
      fallback: 'legacy',
      onError: (e, where) => errors.push(`${where}: ${(e as Error).message}`),
    });
    expect((await flagDown.getMetrics(request)).get(1)).toEqual({ likeCount: { all: 5, day: 1 } });
    expect(stream.reads).toBe(0);
    expect(errors.at(-1)).toBe('mode: flag service unreachable');
  });

  it('in stream mode a failure of the stream is the caller’s, as with the reader itself', async () => {
    const reader = createRolloutReader({
      legacy: readerOf(legacyValues),
      stream: readerOf(streamValues, undefined, new Error('redis down')),
      mode: () => 'stream',
    });
    await expect(reader.getMetrics(request)).rejects.toThrow('redis down');
  });
});
