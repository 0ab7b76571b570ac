import { defineListener, definePlugin, silentLogger } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { SinkError } from '../errors.js';
import { createDecoder } from '../events/decode.js';
import { fakeEvent } from '../testing/fake-events.js';
import { InMemoryDeadLetters } from '../testing/in-memory-dead-letters.js';
import { IngestStage } from './ingest-stage.js';
import type { IngestStageOptions } from './ingest-stage-options.js';
import { PluginContainer } from './plugin-container.js';
import { LocalProcessor } from './record-processor.js';
import { validatePlugins } from './validate-plugins.js';

const images = fakeEvent.postgres('Image');
/** Counts nothing by deltas; touches the post an image leaves and the one it joins. */
const moves = defineListener({
  id: 'test.image-moves',
  tables: ['Image'],
  canHandle: (e) => e.table === 'Image' && e.op === 'update',
  handle(e, { metrics }) {
    for (const row of [e.before, e.after])
      if (row?.postId) metrics.touch('Post', Number(row.postId), ['likeCount']);
    metrics.add({ entityType: 'Image', entityId: Number(e.after!.id), metricType: 'moves', metricValue: 1 });
  },
  truth: [],
});
const plugin = definePlugin({ id: 'test', owner: 'test', listeners: [moves] });

async function stage(
  log: string[],
  failTouches: { times: number; error?: Error } = { times: 0 },
  extra: Partial<IngestStageOptions> = {},
) {
  const processor = new LocalProcessor({
    decode: createDecoder({ debezium: { topicPrefix: 'app' } }),
    listeners: validatePlugins([plugin], []),
    container: await PluginContainer.create([plugin], []),
    logger: silentLogger,
  });
  return new IngestStage({
    processor,
    deadLetters: new InMemoryDeadLetters(),
    store: async (rows) => void log.push(`store ${rows.length}`),
    publish: async (rows) => void log.push(`publish ${rows!.length}`),
    queueForSearch: async (rows) => void log.push(`search ${rows.count}`),
    touches: {
      add: async (touches) => {
        if (failTouches.times-- > 0)
          throw failTouches.error ?? Object.assign(new Error('redis down'), { retriable: true });
        log.push(`touch ${touches.map((t) => `${t.entityType}:${t.entityId}:${t.metrics}`).join(' ')}`);
      },
    },
    commit: async (offsets) => void log.push(`commit ${offsets.map((o) => o.offset).join(',')}`),
    retryBaseMs: 1,
    retryMaxMs: 2,
    ...extra,
  });
}

describe('touches in the ingest stage', () => {
  it('are queued after the flush stored its events (published when their batch was processed) and before its offsets are committed, once per entity', async () => {
    const log: string[] = [];
    const ingest = await stage(log);
    const a = images.updated({ id: 1, postId: 10 }, { id: 1, postId: 11 });
    const b = images.updated({ id: 2, postId: 11 }, { id: 2, postId: 12 });
    await ingest.processBatch([a.record, b.record]);
    await ingest.flush();
    expect(log).toEqual([
      'publish 2',
      'store 2',
      'search 2',
      'touch Post:10:likeCount Post:11:likeCount Post:12:likeCount',
      `commit ${Number(b.record.offset) + 1}`,
    ]);
  });

  it('a touch queue that fails holds the commit back until it accepts them', async () => {
    const log: string[] = [];
    const ingest = await stage(log, { times: 2 });
    const a = images.updated({ id: 1, postId: 10 }, { id: 1, postId: 11 });
    await ingest.processBatch([a.record]);
    await ingest.flush();
    expect(log.filter((l) => l.startsWith('touch') || l.startsWith('commit'))).toEqual([
      'touch Post:10:likeCount Post:11:likeCount',
      `commit ${Number(a.record.offset) + 1}`,
    ]);
  });

  it('names the sink it fails on by the error: Redis for touches, ClickHouse by default', async () => {
    const states: string[] = [];
    const log: string[] = [];
    const ingest: IngestStage = await stage(
      log,
      { times: 1, error: new SinkError('redis', 'touch queue down') },
      { onSinkState: (healthy) => states.push(`${healthy ? 'recovered' : 'failing'} ${ingest.failingSink}`) },
    );
    await ingest.processBatch([images.updated({ id: 1, postId: 10 }, { id: 1, postId: 11 }).record]);
    await ingest.flush();
    expect(states).toEqual(['failing redis', 'recovered redis']);
    expect(ingest.failingSink).toBeUndefined();
    const plain = await stage(log, { times: 1 }, { onSinkState: () => states.push(`${plain.failingSink}`) });
    await plain.processBatch([images.updated({ id: 2, postId: 10 }, { id: 2, postId: 11 }).record]);
    await plain.flush();
    expect(states.slice(2)).toEqual(['clickhouse', 'clickhouse']);
  });

  it('a batch that only touches is flushed too (its offsets wait for the touches)', async () => {
    const log: string[] = [];
    const touchOnly = defineListener({
      id: 'test.touch-only',
      tables: ['Image'],
      canHandle: (e) => e.table === 'Image',
      handle: (e, { metrics }) => metrics.touch('Post', Number(e.after?.postId ?? 0)),
      truth: [],
    });
    const only = definePlugin({ id: 'only', owner: 'test', listeners: [touchOnly] });
    const ingest = new IngestStage({
      processor: new LocalProcessor({
        decode: createDecoder({ debezium: { topicPrefix: 'app' } }),
        listeners: validatePlugins([only], []),
        container: await PluginContainer.create([only], []),
        logger: silentLogger,
      }),
      deadLetters: new InMemoryDeadLetters(),
      store: async (rows) => void log.push(`store ${rows.length}`),
      touches: { add: async (touches) => void log.push(`touch ${touches.length}`) },
      commit: async () => void log.push('commit'),
      flushIntervalMs: 0,
    });
    await ingest.processBatch([images.created({ id: 3, postId: 7 }).record]);
    expect(ingest.flushDue()).toBe(true);
    await ingest.flush();
    expect(log).toEqual(['touch 1', 'commit']);
  });
});
