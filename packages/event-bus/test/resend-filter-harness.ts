// Drives a ResendFilter the way the ingest stage does, over fake partitions: records with a place and an id,
// committed offsets carrying positions, as the consumer group would hold them.
import type { KafkaRecord } from '../src/events/kafka-record.js';
import { debeziumSourcePosition } from '../src/events/source-position.js';
import { encodePositions, type PartitionPositions } from '../src/runtime/ordered-positions.js';
import { REDRIVE_LISTENER_HEADER } from '../src/runtime/record-processor.js';
import {
  type ChangeRef,
  type CommittedOffset,
  type FirstSeenStore,
  ResendFilter,
} from '../src/runtime/resend-filter.js';

export const PG = 'app.public.ImageReaction';
export const CH = 'clickhouse.modelVersionEvents';
export const pos = (lastCommitLsn: number, lsn: number) =>
  debeziumSourcePosition(`["${lastCommitLsn}","${lsn}"]`);

/** One record of a fake partition: what the filter reads of it (its place, and a redrive header). */
export interface Fake {
  offset: number;
  id: string;
  position?: string | null;
  redrive?: boolean;
}

/** Committed offsets with metadata, as the consumer group would hold them. */
export class Commits {
  readonly offsets = new Map<string, CommittedOffset>();
  reads = 0;

  committed = async (topic: string): Promise<CommittedOffset[]> => {
    this.reads++;
    return [...this.offsets].filter(([k]) => k.startsWith(`${topic}/`)).map(([, o]) => o);
  };

  commit(topic: string, partition: number, offset: number, positions: PartitionPositions): void {
    const next = String(offset + 1);
    this.offsets.set(`${topic}/${partition}`, {
      partition,
      offset: next,
      metadata: encodePositions(next, positions),
    });
  }
}

export function filterOn(commits = new Commits(), firstSeen?: FirstSeenStore) {
  return new ResendFilter({ committed: commits.committed, firstSeen });
}

/**
 * Runs one chunk through the filter as the ingest stage does (open, admit every change, then the positions
 * after each record in order) and returns the verdicts by offset and the positions after each record.
 */
export async function chunk(filter: ResendFilter, topic: string, fakes: Fake[], partition = 0) {
  const records: KafkaRecord[] = fakes.map((f) => ({
    topic,
    partition,
    offset: String(f.offset),
    key: null,
    value: null,
    headers: f.redrive ? { [REDRIVE_LISTENER_HEADER]: Buffer.from('some.listener') } : {},
  }));
  const changes: ChangeRef[] = fakes.map((f, index) => ({
    index,
    id: f.id,
    source: topic === CH ? 'clickhouse' : 'postgres',
    sourcePosition: f.position ?? null,
  }));
  const admission = await filter.open(records);
  const verdicts = await admission.admit(changes);
  const after = fakes.map((_, i) => admission.positionsAfter(i));
  const refused = fakes.filter((_, i) => !verdicts[i]).map((f) => f.offset);
  return { refused, after };
}
