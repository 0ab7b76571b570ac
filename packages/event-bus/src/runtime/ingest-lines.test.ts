import { defineListener, definePlugin, type EntityMetricEvent, silentLogger } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../events/decode.js';
import type { JsonLines } from '../metrics/json-lines.js';
import { metricEventJson } from '../metrics/metric-event-row.js';
import { StoredRows } from '../metrics/stored-rows.js';
import { fakeEvent } from '../testing/fake-events.js';
import { InMemoryDeadLetters } from '../testing/in-memory-dead-letters.js';
import { IngestStage } from './ingest-stage.js';
import { PluginContainer } from './plugin-container.js';
import { LocalProcessor } from './record-processor.js';
import { validatePlugins } from './validate-plugins.js';

const images = fakeEvent.postgres('Image');
/** Emits `id % 3` events per change, on the image and on its post. */
const varying = defineListener({
  id: 'test.varying',
  tables: ['Image'],
  canHandle: (e) => e.table === 'Image',
  handle(e, { metrics }) {
    const id = Number(e.after!.id);
    for (let k = 0; k < id % 3; k++) {
      const entity =
        k === 0 ? { entityType: 'Image', entityId: id } : { entityType: 'Post', entityId: 100 + id };
      metrics.add({ ...entity, metricType: `m${k}`, metricValue: 1 });
    }
  },
  truth: [],
});
const plugin = definePlugin({ id: 'test', owner: 'test', listeners: [varying] });

interface Seen {
  published: EntityMetricEvent[];
  lines: string[][];
  stored: StoredRows[];
  searched: StoredRows[];
}

/** A stage whose store takes lines only; `answer` says whether publish returns the rows of a call. */
async function stage(
  seen: Seen,
  answer: (call: number) => boolean,
  insertLines = async (_: JsonLines[]) => {},
) {
  let calls = 0;
  return new IngestStage({
    processor: new LocalProcessor({
      decode: createDecoder({ debezium: { topicPrefix: 'app' } }),
      listeners: validatePlugins([plugin], []),
      container: await PluginContainer.create([plugin], []),
      logger: silentLogger,
    }),
    deadLetters: new InMemoryDeadLetters(),
    store: async () => {
      throw new Error('a store with storeLines is never given events');
    },
    storeLines: async (lines) => {
      await insertLines([...lines]);
      seen.lines.push(lines.flatMap((b) => b.bytes.toString().split('\n').slice(0, b.rows)));
    },
    publish: async (rows) => {
      seen.published.push(...rows!);
      return answer(calls++) ? { json: rows!.map(metricEventJson) } : undefined;
    },
    stored: async (rows) => void seen.stored.push(rows),
    queueForSearch: async (rows) => void seen.searched.push(rows),
    commit: async () => {},
    retryBaseMs: 1,
    retryMaxMs: 2,
  });
}

const created = (ids: number[]) => ids.map((id) => images.created({ id }).record);
const fresh = (): Seen => ({ published: [], lines: [], stored: [], searched: [] });

describe('an ingest stage whose store takes lines', () => {
  it('inserts every event as its line, serialising those publish did not return, and keeps no event for the store', async () => {
    const seen = fresh();
    // The second batch's publish returns nothing: its lines are made by the stage.
    const ingest = await stage(seen, (call) => call !== 1);
    await ingest.processBatch(created([1, 2, 4]));
    await ingest.processBatch(created([5, 7]));
    await ingest.processBatch(created([8]));
    await ingest.flush();
    expect(seen.lines).toEqual([seen.published.map(metricEventJson)]);
    expect(seen.published).toHaveLength(9);
  });

  it('tells the cache and the search queue what the flush stored: the highest position per origin, the distinct entities', async () => {
    const seen = fresh();
    const ingest = await stage(seen, () => true);
    await ingest.processBatch(created([2, 5, 2]));
    await ingest.flush();
    const expected = StoredRows.of(seen.published);
    expect(seen.stored).toEqual([expected]);
    expect(seen.searched).toEqual([expected]);
    expect(expected.count).toBe(6);
    expect([...expected.entities.get('Image')!]).toEqual([2, 5]);
    expect([...expected.entities.get('Post')!]).toEqual([102, 105]);
    expect([...expected.upto.values()]).toEqual([Math.max(...seen.published.map((e) => e.originSeq))]);
  });

  it('puts a flush that gave up back, and the next one inserts its rows with the later ones, once', async () => {
    const seen = fresh();
    let down = true;
    const ingest = await stage(
      seen,
      () => true,
      async () => {
        if (down) throw Object.assign(new Error('ClickHouse down'), { retriable: true });
      },
    );
    await ingest.processBatch(created([1, 2]));
    const stop = new AbortController();
    const flushing = ingest.flush(stop.signal);
    setTimeout(() => stop.abort(), 20);
    await expect(flushing).rejects.toThrow();
    expect(ingest.bufferedRows).toBe(3);
    down = false;
    await ingest.processBatch(created([4]));
    await ingest.flush();
    expect(seen.lines).toEqual([seen.published.map(metricEventJson)]);
    expect(seen.stored).toEqual([StoredRows.of(seen.published)]);
    expect(ingest.bufferedRows).toBe(0);
  });
});

describe('StoredRows', () => {
  it('merges to what it would hold had it seen both sets of events', () => {
    const event = (origin: string, originSeq: number, entityType: string, entityId: number) => ({
      origin,
      originSeq,
      entityType,
      entityId,
    });
    const a = [event('t:0', 5, 'Image', 1), event('t:1', 9, 'Post', 2), event('t:0', 3, 'Image', 3)];
    const b = [event('t:0', 4, 'Image', 1), event('t:2', 1, 'Post', 7), event('t:1', 12, 'User', 4)];
    const merged = StoredRows.of(a);
    merged.merge(StoredRows.of(b));
    expect(merged).toEqual(StoredRows.of([...a, ...b]));
    expect(Object.fromEntries(merged.upto)).toEqual({ 't:0': 5, 't:1': 12, 't:2': 1 });
    expect(merged.count).toBe(6);
  });
});
