import type { ChangeSource } from '@engagement/plugin-api';
import type { KafkaRecord } from '../events/kafka-record.js';
import {
  decodePositions,
  NO_POSITIONS,
  nextPositions,
  type PartitionPositions,
} from './ordered-positions.js';
import { headerString } from './record-headers.js';
import { REDRIVE_LISTENER_HEADER, REDRIVEN_FROM_HEADER } from './record-processor.js';

/** A committed offset of the consumer group and the metadata committed with it. */
export interface CommittedOffset {
  partition: number;
  /** The next offset to read; `-1` when nothing was committed. */
  offset: string;
  metadata: string | null;
}

/**
 * Remembers where each change of an id-keyed source (ClickHouse rows, which carry no ordered position) was
 * first seen, e.g. `RedisFirstSeenStore`.
 */
export interface FirstSeenStore {
  /**
   * For each change, records `at` as where it was first seen unless the change has an entry already, and
   * returns each change's entry: `at` itself the first time (and for a replay of that same record), another
   * position for a copy published again.
   */
  claim(topic: string, changes: readonly { id: string; at: string }[]): Promise<string[]>;
}

/** One decoded change of a chunk, as the filter sees it. `index` is its record's index in the chunk. */
export interface ChangeRef {
  index: number;
  id: string;
  source: ChangeSource;
  sourcePosition: string | null;
}

export interface ResendFilterOptions {
  /** The group's committed offsets, with their metadata, of every partition of `topic`. */
  committed(topic: string): Promise<CommittedOffset[]>;
  /** Where first positions of ClickHouse rows are kept; without it such rows are never taken for re-sends. */
  firstSeen?: FirstSeenStore;
}

/**
 * Recognises changes a source published again at a new Kafka offset (a re-send), before listeners run, so
 * they produce no metric event at all. A replay of the same record (a crash, a rebalance) is not a re-send:
 * it is processed again and collapses downstream as before.
 *
 * - Ordered sources (Debezium): per partition, a change whose `sourcePosition` is not above the highest
 *   position seen is a re-send (`nextPositions`). The positions after each record travel with its offset
 *   and are committed with it as Kafka commit metadata, so whoever reads the partition next (this host
 *   after a rebalance, another host after a crash) starts from exactly the positions that offset covers and
 *   decides every later record as the first reader did.
 * - ClickHouse rows: a row whose id already has a first-seen entry at another `partition:offset`.
 * - Redriven dead letters (`eb.redrive.from`, `eb.redrive.listener`) are never re-sends and move nothing.
 */
export class ResendFilter {
  private readonly live = new Map<string, PartitionPositions>();
  private readonly loads = new Map<string, Promise<Map<number, PartitionPositions>>>();
  private generation = 0;

  constructor(private readonly options: ResendFilterOptions) {}

  /**
   * Forgets what every partition has seen (on each rebalance): the next chunk of a partition starts again
   * from the positions committed with its offset, which is where the consumer resumes too.
   */
  reset(): void {
    this.generation++;
    this.live.clear();
    this.loads.clear();
  }

  /** Starts a chunk of one partition's records (in order), reading the partition's positions if needed. */
  async open(records: readonly KafkaRecord[]): Promise<ChunkAdmission> {
    const { topic, partition } = records[0]!;
    const key = `${topic}:${partition}`;
    const generation = this.generation;
    let start = this.live.get(key);
    if (start === undefined) {
      start = (await this.load(topic)).get(partition) ?? NO_POSITIONS;
      if (generation === this.generation && !this.live.has(key)) this.live.set(key, start);
    }
    return new ChunkAdmission(records, start, this.options.firstSeen, (positions) => {
      if (generation === this.generation) this.live.set(key, positions);
    });
  }

  private load(topic: string): Promise<Map<number, PartitionPositions>> {
    let loading = this.loads.get(topic);
    if (!loading) {
      loading = this.options
        .committed(topic)
        .then((offsets) => new Map(offsets.map((o) => [o.partition, decodePositions(o.metadata, o.offset)])));
      // A failed read is not remembered: the chunk fails (and is retried) and the next one reads again.
      loading.catch(() => this.loads.delete(topic));
      this.loads.set(topic, loading);
    }
    return loading;
  }
}

/** The decisions for one chunk, and the positions after each of its records. */
export class ChunkAdmission {
  private readonly after: PartitionPositions[];

  constructor(
    private readonly records: readonly KafkaRecord[],
    start: PartitionPositions,
    private readonly firstSeen: FirstSeenStore | undefined,
    private readonly settle: (positions: PartitionPositions) => void,
  ) {
    this.after = records.map(() => start);
  }

  /** Which of the chunk's changes (in record order) should run: false for a re-send. */
  async admit(changes: readonly ChangeRef[]): Promise<boolean[]> {
    const verdicts = changes.map(() => true);
    const keyed: number[] = [];
    let state = this.after[0]!;
    let next = 0;
    changes.forEach((change, i) => {
      // Records before this change (skips, invalid records) keep the positions reached so far.
      for (; next < change.index; next++) this.after[next] = state;
      if (isRedrive(this.records[change.index]!)) return;
      if (change.source === 'clickhouse') {
        if (this.firstSeen) keyed.push(i);
        return;
      }
      const step = nextPositions(state, change.sourcePosition, change.id);
      verdicts[i] = !step.resend;
      state = step.state;
    });
    for (; next < this.records.length; next++) this.after[next] = state;
    if (keyed.length > 0) {
      const { topic, partition } = this.records[0]!;
      const at = (i: number) => `${partition}:${this.records[changes[i]!.index]!.offset}`;
      const first = await this.firstSeen!.claim(
        topic,
        keyed.map((i) => ({ id: changes[i]!.id, at: at(i) })),
      );
      keyed.forEach((i, j) => {
        verdicts[i] = first[j] === at(i);
      });
    }
    return verdicts;
  }

  /** The positions after record `index` (to commit with its offset); the partition's positions move there. */
  positionsAfter(index: number): PartitionPositions {
    const positions = this.after[index]!;
    this.settle(positions);
    return positions;
  }
}

/** A dead letter sent back to its source topic (see the host's `dlq redrive`), not a copy from the source. */
function isRedrive(record: KafkaRecord): boolean {
  return (
    headerString(record, REDRIVEN_FROM_HEADER) !== undefined ||
    headerString(record, REDRIVE_LISTENER_HEADER) !== undefined
  );
}
