import { defineListener, definePlugin, type EntityMetricEvent, silentLogger } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../events/decode.js';
import { fakeEvent } from '../testing/fake-events.js';
import { InMemoryDeadLetters } from '../testing/in-memory-dead-letters.js';
import { IngestStage } from './ingest-stage.js';
import { PluginContainer } from './plugin-container.js';
import type { DeadLetterSink } from './ports.js';
import { LocalProcessor } from './record-processor.js';
import { validatePlugins } from './validate-plugins.js';

const images = fakeEvent.postgres('Image');
/** Emits `id % 3` events per change (none for some), so a batch's events do not line up with its records. */
const varying = defineListener({
  id: 'test.varying',
  tables: ['Image'],
  canHandle: (e) => e.table === 'Image',
  handle(e, { metrics }) {
    const id = Number(e.after!.id);
    for (let k = 0; k < id % 3; k++)
      metrics.add({ entityType: 'Image', entityId: id, metricType: `m${k}`, metricValue: 1 });
  },
  truth: [],
});
const plugin = definePlugin({ id: 'test', owner: 'test', listeners: [varying] });

/** What `publish` returns for an event, and what the store must get back for it. */
const text = (e: EntityMetricEvent) => `${e.entityId}/${e.metricType}`;

async function stage(
  stores: { rows: string[]; json: string[] | undefined }[],
  answer: () => boolean,
  deadLetters: DeadLetterSink = new InMemoryDeadLetters(),
  publish = async (rows: EntityMetricEvent[] | undefined) =>
    answer() ? { json: rows!.map(text) } : undefined,
) {
  return new IngestStage({
    processor: new LocalProcessor({
      decode: createDecoder({ debezium: { topicPrefix: 'app' } }),
      listeners: validatePlugins([plugin], []),
      container: await PluginContainer.create([plugin], []),
      logger: silentLogger,
    }),
    deadLetters,
    store: async (rows, lines) =>
      void stores.push({
        rows: rows.map(text),
        json: lines?.flatMap((b) => b.bytes.toString().split('\n').slice(0, b.rows)),
      }),
    publish,
    commit: async () => {},
  });
}

describe('the rows publish serialised, handed to the store', () => {
  it('reach the store with their events, in order, across batches', async () => {
    const stores: { rows: string[]; json: string[] | undefined }[] = [];
    const ingest = await stage(stores, () => true);
    await ingest.processBatch([1, 3, 2, 5].map((id) => images.created({ id }).record));
    await ingest.processBatch([4, 6, 8].map((id) => images.created({ id }).record));
    await ingest.flush();
    expect(stores).toHaveLength(1);
    expect(stores[0]!.rows).toEqual(['1/m0', '2/m0', '2/m1', '5/m0', '5/m1', '4/m0', '8/m0', '8/m1']);
    expect(stores[0]!.json).toEqual(stores[0]!.rows);
  });

  it('are left out when publish did not return them for every batch (the store serialises then)', async () => {
    const stores: { rows: string[]; json: string[] | undefined }[] = [];
    let calls = 0;
    const ingest = await stage(stores, () => calls++ !== 0);
    await ingest.processBatch([images.created({ id: 1 }).record]);
    await ingest.processBatch([images.created({ id: 2 }).record]);
    await ingest.flush();
    expect(stores).toEqual([{ rows: ['1/m0', '2/m0', '2/m1'], json: undefined }]);
  });

  it('stay with their events when a flush runs while a batch waits on a dead-letter write', async () => {
    const stores: { rows: string[]; json: string[] | undefined }[] = [];
    let ingest: IngestStage | undefined;
    // The timer's flush, at the moment the batch yields: it takes the events buffered so far.
    ingest = await stage(stores, () => true, { write: () => ingest!.flush() });
    const garbage = { ...images.created({ id: 3 }).record, value: Buffer.from('{') };
    await ingest.processBatch([images.created({ id: 2 }).record, garbage, images.created({ id: 5 }).record]);
    await ingest.flush();
    expect(stores.map((s) => s.rows)).toEqual([
      ['2/m0', '2/m1'],
      ['5/m0', '5/m1'],
    ]);
    expect(stores.map((s) => s.json)).toEqual([
      ['2/m0', '2/m1'],
      ['5/m0', '5/m1'],
    ]);
  });

  it('are left out when publish returned a different number of rows than it was given events', async () => {
    const stores: { rows: string[]; json: string[] | undefined }[] = [];
    // One row too many: the store must serialise the events rather than insert rows that do not match them.
    const ingest = await stage(
      stores,
      () => true,
      undefined,
      async (rows) => ({ json: ['spurious', ...rows!.map(text)] }),
    );
    await ingest.processBatch([images.created({ id: 5 }).record]);
    await ingest.flush();
    expect(stores).toEqual([{ rows: ['5/m0', '5/m1'], json: undefined }]);
  });
});
