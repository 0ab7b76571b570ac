import { type EntityMetricEvent, silentLogger } from '@engagement/plugin-api';
import { describe, expect, it, vi } from 'vitest';
import { samplePlugin } from '../../test/sample-plugin.js';
import { createDecoder } from '../events/decode.js';
import type { KafkaRecord } from '../events/kafka-record.js';
import { type JsonLines, toJsonLines } from '../metrics/json-lines.js';
import { decodeMetricMessages, encodeMetricMessages } from '../metrics/metric-message.js';
import { StoredRows } from '../metrics/stored-rows.js';
import { fakeEvent } from '../testing/fake-events.js';
import { InMemoryDeadLetters } from '../testing/in-memory-dead-letters.js';
import { dispatchedMetrics, type EncodedMetrics, encodeMetrics, leaveOutEvents } from './encoded-metrics.js';
import { IngestStage } from './ingest-stage.js';
import { PluginContainer } from './plugin-container.js';
import type { MetricTopicMessage } from './ports.js';
import { publishMetricEvents } from './publish-metric-events.js';
import {
  type BatchOutcome,
  LocalProcessor,
  REDRIVE_LISTENER_HEADER,
  type RecordProcessor,
} from './record-processor.js';
import { validatePlugins } from './validate-plugins.js';
import { POOL_METRIC_MIN_BYTES, WorkerPoolProcessor } from './worker-pool.js';

const reactions = fakeEvent.postgres('ImageReaction');
/** Reactions from two origins (partitions), several metric events each, one deleted again. */
function reactionBatch() {
  const rows = [1, 2, 3, 4, 5, 6].map((id) => ({
    id,
    imageId: 100 + (id % 3),
    userId: id,
    reaction: 'Like',
  }));
  const records = [
    ...rows.map((r) => reactions.created(r).record),
    reactions.deleted(rows[1]!).record,
    reactions.onPartition(1).created({ ...rows[2]!, id: 7 }).record,
  ];
  return records.map((r, i) => ({ ...r, offset: String(i) }));
}

/** A metric-topic writer that keeps every request. */
function recordingTopic() {
  const requests: MetricTopicMessage[][] = [];
  return {
    requests,
    send: async (messages: readonly MetricTopicMessage[]) => void requests.push([...messages]),
  };
}

/** One pool thread running the sample plugin. */
function samplePluginPool() {
  return new WorkerPoolProcessor({
    threads: 1,
    pluginModules: [new URL('../../test/sample-plugin.ts', import.meta.url).href],
    decoder: { debezium: { topicPrefix: 'app' } },
    logger: silentLogger,
  });
}

/** The sample plugin on this thread: what a pool thread's batches are compared with. */
async function localBatch(records: KafkaRecord[]): Promise<BatchOutcome> {
  const processor = new LocalProcessor({
    decode: createDecoder({ debezium: { topicPrefix: 'app' } }),
    listeners: validatePlugins([samplePlugin], []),
    container: await PluginContainer.create([samplePlugin], []),
    logger: silentLogger,
    retryBaseMs: 1,
  });
  return processor.process(records);
}

describe('metric events serialised where the listeners ran', () => {
  it('come back from pool threads as text only, exactly the text the main thread would make', async () => {
    const pool = samplePluginPool();
    try {
      const records = reactionBatch();
      const [batch, local] = [await pool.process(records), await localBatch(records)];
      const events = dispatchedMetrics(local.outcomes);
      expect(events.length).toBeGreaterThan(20);
      // No event objects cross back; the outcomes are otherwise the same.
      expect(dispatchedMetrics(batch.outcomes)).toEqual([]);
      expect(batch.outcomes.map((o) => o.kind)).toEqual(local.outcomes.map((o) => o.kind));
      const { eventsLeftOut, ...encoded } = batch.encoded!;
      expect(encoded).toEqual(encodeMetrics(events));
      expect(eventsLeftOut).toEqual({ rows: StoredRows.of(events), mostPerRecord: 3 });
      expect(eventsLeftOut!.rows).toBeInstanceOf(StoredRows);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('come back with their objects when a record is invalid or a listener failed', async () => {
    const pool = samplePluginPool();
    try {
      const invalid = { ...fakeEvent.raw('app.public.ImageReaction', '{not json').record, offset: '20' };
      const failing = { ...fakeEvent.postgres('TypeProbe').created({ id: 1 }).record, offset: '21' };
      for (const extra of [invalid, failing]) {
        const records = [...reactionBatch(), extra];
        const [batch, local] = [await pool.process(records), await localBatch(records)];
        expect(batch.encoded!.eventsLeftOut).toBeUndefined();
        expect(batch.outcomes.at(-1)!.kind).toBe(extra === invalid ? 'invalid' : 'dispatched');
        expect(dispatchedMetrics(batch.outcomes)).toEqual(dispatchedMetrics(local.outcomes));
      }
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('are published as the same requests, headers and bytes as events serialised on the main thread', async () => {
    const pool = samplePluginPool();
    try {
      const records = reactionBatch();
      const [batch, local] = [await pool.process(records), await localBatch(records)];
      const metrics = dispatchedMetrics(local.outcomes);
      const [fromPool, fromEvents] = [recordingTopic(), recordingTopic()];
      const sent = await publishMetricEvents(fromPool, undefined, { stored: false, encoded: batch.encoded });
      expect(sent).toBe(batch.encoded);
      expect((await publishMetricEvents(fromEvents, metrics, { stored: false })).json).toEqual(sent.json);
      expect(fromPool.requests).toEqual(fromEvents.requests);
      // The values go to kafkajs as Buffers (it would write anything else as text).
      for (const request of fromPool.requests)
        for (const m of request) expect(Buffer.isBuffer(m.value) || typeof m.value === 'string').toBe(true);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('left out of a batch, reach every sink as the events would have', async () => {
    const records = reactionBatch();
    const local = await localBatch(records);
    const encoded = encodeMetrics(dispatchedMetrics(local.outcomes));
    const withObjects = { ...local, encoded };
    const asText = leaveOutEvents(withObjects);
    expect(asText.encoded!.eventsLeftOut).toBeDefined();
    for (const lines of [true, false]) {
      const [a, b] = [
        await sinksAfter(withObjects, records, lines),
        await sinksAfter(asText, records, lines),
      ];
      expect(b).toEqual(a);
      expect(a.stored.length).toBeGreaterThan(0);
    }
  });

  it('are the text encodeMetricMessages makes, the consecutive rows of one message as a view of the lines', () => {
    const event = (origin: string, seq: number, entityType = 'Image'): EntityMetricEvent => ({
      eventId: `e${seq}`,
      entityType,
      entityId: seq,
      userId: 1,
      metricType: 'likeCount',
      metricValue: 1,
      createdAt: new Date(seq),
      origin,
      originSeq: seq,
    });
    const cases = [
      [1, 2, 3].map((n) => event('a', n)),
      // Two origins interleaved: neither message's rows are consecutive.
      [event('a', 1), event('b', 1), event('a', 2), event('b', 2), event('c', 1)],
      // Non-ASCII text: byte offsets differ from the text's.
      [event('a', 1, 'Bildé'), event('a', 2), event('b', 3, 'Wörter'), event('b', 4)],
      // More rows than one message holds (1,000).
      Array.from({ length: 2_500 }, (_, n) => event('a', n)),
    ];
    for (const events of cases) {
      const encoded = encodeMetrics(events);
      expect(Buffer.from(encoded.lines).toString()).toBe(toJsonLines(encoded.json).bytes.toString());
      expect(encoded.lines.byteLength).toBe(encoded.lines.buffer.byteLength);
      const text = encoded.messages.map((m) => ({ key: m.key, value: m.value.toString() }));
      expect(text).toEqual(encodeMetricMessages(events, {}, encoded.json));
    }
    const oneOrigin = encodeMetrics(cases[3]!).messages;
    expect(oneOrigin.length).toBeGreaterThan(2);
    expect(oneOrigin.every((m) => Buffer.isBuffer(m.value))).toBe(true);
  });

  it('reach publish, and the store as the rows publish returned (or as they are without a publish)', async () => {
    const event = (entityId: number): EntityMetricEvent => ({
      eventId: `e${entityId}`,
      entityType: 'Image',
      entityId,
      userId: 1,
      metricType: 'likeCount',
      metricValue: 1,
      createdAt: new Date(0),
      origin: 'o',
      originSeq: entityId,
    });
    const metrics = [event(1), event(2)];
    const encoded: EncodedMetrics = encodeMetrics(metrics);
    const processor: RecordProcessor = {
      process: async (): Promise<BatchOutcome> => ({
        outcomes: [{ kind: 'dispatched', metrics, failures: [] }],
        listenerRuns: {},
        encoded,
      }),
      close: async () => {},
    };
    for (const withPublish of [true, false]) {
      const published: (EncodedMetrics | undefined)[] = [];
      const stored: (readonly string[] | undefined)[] = [];
      const ingest = new IngestStage({
        processor,
        deadLetters: new InMemoryDeadLetters(),
        store: async (_rows, lines) =>
          void stored.push(lines?.flatMap((b) => b.bytes.toString().split('\n').slice(0, b.rows))),
        publish: withPublish
          ? async (_rows, given) => {
              published.push(given);
              return given;
            }
          : undefined,
        commit: async () => {},
      });
      await ingest.processBatch([
        reactions.created({ id: 1, imageId: 1, userId: 1, reaction: 'Like' }).record,
      ]);
      await ingest.flush();
      expect(published).toEqual(withPublish ? [encoded] : []);
      expect(stored).toEqual([encoded.json]);
    }
  });
});

describe('records sent to pool threads', () => {
  it('arrive whole when their keys, values and headers are views of one large buffer, as kafkajs gives them', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024);
    let at = 0;
    const home = (b: Buffer) => {
      b.copy(big, at);
      at += b.length + 1_000;
      return big.subarray(at - b.length - 1_000, at - 1_000);
    };
    const original = reactionBatch();
    const records = original.map((r, i) => ({
      ...r,
      key: r.key && home(r.key),
      value: r.value && home(r.value),
      // The first record is a redrive to a listener that does not take it (it then makes no event), the
      // second carries a repeated header: both only work if the headers crossed.
      headers:
        i === 0
          ? { [REDRIVE_LISTENER_HEADER]: home(Buffer.from('sample.always-throws')) }
          : i === 1
            ? { note: [home(Buffer.from('a')), home(Buffer.from('b'))] }
            : undefined,
    }));
    const pool = samplePluginPool();
    try {
      const [batch, local] = [await pool.process(records), await localBatch(records)];
      expect(local.outcomes[0]).toMatchObject({ kind: 'dispatched', metrics: [] });
      expect(batch.outcomes.map((o) => o.kind)).toEqual(local.outcomes.map((o) => o.kind));
      expect(batch.encoded!.json).toEqual(encodeMetrics(dispatchedMetrics(local.outcomes)).json);
      // The records the caller holds keep their bytes (only the copies were transferred).
      expect(records[2]!.value!.buffer).toBe(big.buffer);
      expect(records[2]!.value!.toString()).toBe(original[2]!.value!.toString());
    } finally {
      await pool.close();
    }
  }, 30_000);
});

describe('metric-topic messages decoded on pool threads', () => {
  /** Metric records of at least `bytes`, their values views of one large buffer; one row invalid, one value null. */
  async function metricRecords(bytes: number): Promise<{ records: KafkaRecord[]; events: number }> {
    const events = dispatchedMetrics((await localBatch(reactionBatch())).outcomes);
    const messages = encodeMetricMessages(events, { maxRows: 3 }).map((m) => m.value);
    const texts: (string | null)[] = [`${messages[0]}\nnot json`, null];
    let size = texts[0]!.length;
    for (let round = 0; round === 0 || size < bytes; round++)
      for (const text of messages) {
        texts.push(text);
        size += text.length;
      }
    const big = Buffer.alloc(size + texts.length * 1_000);
    let at = 0;
    const records: KafkaRecord[] = texts.map((text, i) => {
      const value = text === null ? null : big.subarray(at, at + big.write(text, at));
      at += 1_000 + (value?.length ?? 0);
      return { topic: 'metrics', partition: 0, offset: String(i), key: null, value };
    });
    return { records, events: ((texts.length - 2) / messages.length) * events.length + 3 };
  }

  it('are what the main thread decodes, from values that are views of one large buffer', async () => {
    const { records, events } = await metricRecords(POOL_METRIC_MIN_BYTES);
    const pool = samplePluginPool();
    try {
      const [fromPool, local] = [
        await pool.decodeMetricMessages(records),
        records.map((r) => decodeMetricMessages(r.value)),
      ];
      expect(fromPool.map((m) => m.events)).toEqual(local.map((m) => m.events));
      expect(fromPool.flatMap((m) => m.events)).toHaveLength(events);
      const invalid = (list: typeof local) => list.map((m) => m.invalid.map((r) => [r.row, r.error.message]));
      expect(invalid(fromPool)).toEqual(invalid(local));
      expect(invalid(local).flat()).toHaveLength(2);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('are decoded on the calling thread when the batch is small, on a thread when it is large', async () => {
    const pool = samplePluginPool();
    // The pool's piscina, to count the tasks it runs.
    const tasks = vi.spyOn((pool as unknown as { pool: { run(...args: unknown[]): unknown } }).pool, 'run');
    try {
      const small = (await metricRecords(0)).records;
      expect(await pool.decodeMetricMessages(small)).toEqual(small.map((r) => decodeMetricMessages(r.value)));
      expect(tasks).not.toHaveBeenCalled();
      await pool.decodeMetricMessages((await metricRecords(POOL_METRIC_MIN_BYTES)).records);
      expect(tasks).toHaveBeenCalledTimes(1);
    } finally {
      await pool.close();
    }
  }, 30_000);
});

/** What an ingest stage hands each sink for one processed batch and a flush (`lines`: a store of lines). */
async function sinksAfter(batch: BatchOutcome, records: KafkaRecord[], lines: boolean) {
  const seen = {
    published: [] as string[][],
    stored: [] as string[],
    events: [] as EntityMetricEvent[],
    rows: [] as StoredRows[],
    search: [] as StoredRows[],
    commits: [] as unknown[],
  };
  const text = (blocks: readonly JsonLines[]) =>
    blocks.flatMap((b) => b.bytes.toString().split('\n').slice(0, b.rows));
  const ingest = new IngestStage({
    processor: { process: async () => batch, close: async () => {} },
    deadLetters: new InMemoryDeadLetters(),
    store: async (events, blocks) => {
      seen.events.push(...events);
      if (blocks) seen.stored.push(...text(blocks));
    },
    storeLines: lines ? async (blocks) => void seen.stored.push(...text(blocks)) : undefined,
    publish: async (events, encoded) => {
      const sent = await publishMetricEvents(recordingTopic(), events, { encoded });
      seen.published.push(sent.json);
      return sent;
    },
    stored: async (rows) => void seen.rows.push(rows),
    queueForSearch: async (rows) => void seen.search.push(rows),
    commit: async (offsets) => void seen.commits.push(offsets),
  });
  await ingest.processBatch(records);
  await ingest.flush();
  return seen;
}
