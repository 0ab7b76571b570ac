import { silentLogger } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { samplePlugin } from '../../test/sample-plugin.js';
import { createDecoder } from '../events/decode.js';
import { type FakeChange, fakeEvent } from '../testing/fake-events.js';
import { InMemoryDeadLetters } from '../testing/in-memory-dead-letters.js';
import { startTestHost } from '../testing/test-host.js';
import { type CommitOffsets, IngestStage } from './ingest-stage.js';
import { decodePositions } from './ordered-positions.js';
import { PluginContainer } from './plugin-container.js';
import { LocalProcessor } from './record-processor.js';
import { ResendFilter } from './resend-filter.js';
import { validatePlugins } from './validate-plugins.js';

const reactions = fakeEvent.postgres('ImageReaction');
const like = (id: number) => ({ id, imageId: 100, userId: 9, reaction: 'Like' });

const hex = (lsn: number) => lsn.toString(16).padStart(16, '0');

/** A reaction created at WAL position (lastCommitLsn, lsn), as Debezium writes `source.sequence`. */
function created(id: number, lastCommitLsn: number, lsn: number): FakeChange {
  const { record } = reactions.created(like(id));
  const value = JSON.parse(record.value!.toString());
  value.source.sequence = JSON.stringify([String(lastCommitLsn), String(lsn)]);
  return fakeEvent.raw(record.topic, JSON.stringify(value), record.partition);
}

/** The same record published again by the connector, at a later offset of the partition. */
const resent = fakeEvent.resent;

describe('the ingest stage with the re-send filter (test host)', () => {
  it('counts a change re-sent at a new offset once in the store and the cache: its copy makes no event', async () => {
    const host = await startTestHost({ plugins: [samplePlugin] });
    host.cache.fill('Image', 100, { likeCount: 0, reactionCount: 0 });
    const a = created(1, 500, 510);
    const b = created(2, 520, 530);
    await host.send(a, b);
    await host.flush();
    // Kafka Connect restarted and produced a and b again at new offsets, then went on with c.
    const copies = [resent(a), resent(b)];
    const c = created(3, 540, 550);
    await host.send(...copies, c);
    await host.flush();
    expect(host.resendsSkipped).toBe(2);
    expect(host.published).toHaveLength(9);
    expect(host.cache.get('Image', 100, 'likeCount')).toBe(3);
    expect(host.store.total('Image', 100, 'likeCount')).toBe(3);
  });

  it("tells the kit's re-sends from its replays: a copy at a new offset is dropped, the same record runs again", async () => {
    const host = await startTestHost({ plugins: [samplePlugin] });
    host.cache.fill('Image', 100, { likeCount: 0, reactionCount: 0 });
    const a = reactions.created(like(6));
    const b = reactions.created(like(7));
    expect(a.event.sourcePosition).not.toBeNull(); // streamed changes carry their WAL position
    await host.send(a, b);
    await host.flush();
    await host.send(fakeEvent.resent(b));
    await host.flush();
    expect(host.resendsSkipped).toBe(1);
    expect(host.published).toHaveLength(6);
    // A crash before the commit: a and b are read again from a's offset. They run again (the same event ids,
    // so the store and the cache count them once), as a listener's replay test needs.
    await host.send(a, b);
    await host.flush();
    expect(host.resendsSkipped).toBe(1);
    expect(host.published).toHaveLength(12);
    expect(host.store.total('Image', 100, 'likeCount')).toBe(2);
    expect(host.cache.get('Image', 100, 'likeCount')).toBe(2);
    // One send holding a read and a replay from its first offset: the replay is a batch of its own.
    const c = reactions.created(like(8));
    const d = reactions.created(like(9));
    await host.send(c, d, c, d);
    await host.flush();
    expect(host.resendsSkipped).toBe(1);
    expect(host.published).toHaveLength(24);
    expect(host.store.total('Image', 100, 'likeCount')).toBe(4);
    expect(host.cache.get('Image', 100, 'likeCount')).toBe(4);
  });

  it('commits, with each offset, the positions reached at it; a replay from there refuses the same copies', async () => {
    const commits: CommitOffsets[] = [];
    const stage = async () => {
      const listeners = validatePlugins([samplePlugin], []);
      const processor = new LocalProcessor({
        decode: createDecoder({ debezium: { topicPrefix: 'app' } }),
        listeners,
        container: await PluginContainer.create([samplePlugin], []),
        logger: silentLogger,
      });
      const stored: number[] = [];
      const resends = new ResendFilter({
        committed: async () => {
          const last = commits.at(-1)?.[0];
          return last
            ? [{ partition: last.partition, offset: last.offset, metadata: last.metadata ?? null }]
            : [];
        },
      });
      const ingest = new IngestStage({
        processor,
        deadLetters: new InMemoryDeadLetters(),
        store: async (rows) => void stored.push(rows.length),
        commit: async (offsets) => void commits.push(offsets),
        resends,
      });
      return { ingest, stored };
    };
    const a = created(4, 600, 610);
    const b = created(5, 620, 630);
    const first = await stage();
    await first.ingest.processBatch([a.record]);
    await first.ingest.flush();
    expect(commits[0]).toEqual([
      {
        topic: a.record.topic,
        partition: a.record.partition,
        offset: String(Number(a.record.offset) + 1),
        metadata: expect.any(String),
      },
    ]);
    expect(decodePositions(commits[0]![0]!.metadata, commits[0]![0]!.offset)).toEqual({
      max: `${hex(600)}:${hex(610)}`,
      atMax: [a.event.id],
    });
    // The host crashed after processing b and a copy of a, before flushing. The next reader starts from
    // the commit and decides both records as the first reader did.
    const copy = resent(a);
    await first.ingest.processBatch([b.record, copy.record]);
    expect(first.ingest.bufferedRows).toBe(3);
    const next = await stage();
    await next.ingest.processBatch([b.record, copy.record]);
    await next.ingest.flush();
    expect(next.stored).toEqual([3]);
  });
});
