import { type DeadLetter, positionOf } from './dead-letter.js';
import type { DeadLetterMark, DeadLetterStore } from './dead-letter-store.js';

/** Selects letters; every given field must match. `listener: 'none'` selects the undecodable ones. */
export interface DeadLetterFilter {
  listener?: string;
  /** Matches the letter's error code or its cause's code (`ML_RELATED_ROW_MISSING`, `EB_DECODE_BAD_VALUE`). */
  code?: string;
  /** The topic the failed record came from. */
  sourceTopic?: string;
}

export type DeadLetterState = 'pending' | 'redriven' | 'discarded';

/** A letter with its position and what was decided about it. */
export interface ListedDeadLetter extends DeadLetter {
  position: string;
  state: DeadLetterState;
  mark?: DeadLetterMark;
}

export interface DeadLetterCounts {
  total: number;
  pending: number;
  redriven: number;
  discarded: number;
}

/** `list`'s answer: counts over the whole topic and over the filter's matches, and the letters shown. */
export interface DeadLetterListing {
  all: DeadLetterCounts;
  matched: DeadLetterCounts;
  /** The matching letters, oldest first per partition, at most `limit`. */
  letters: ListedDeadLetter[];
}

const matches = (l: DeadLetter, f: DeadLetterFilter) =>
  (f.listener === undefined || (l.listener ?? 'none') === f.listener) &&
  (f.code === undefined || l.code === f.code || l.causeCode === f.code) &&
  (f.sourceTopic === undefined || l.source.topic === f.sourceTopic);

function countsOf(letters: readonly ListedDeadLetter[]): DeadLetterCounts {
  const c: DeadLetterCounts = { total: letters.length, pending: 0, redriven: 0, discarded: 0 };
  for (const l of letters) c[l.state]++;
  return c;
}

/**
 * The dead-letter topic as operators use it: list and show letters, discard the ones that can never
 * succeed, and redrive the others to their source partitions (for the failing listener only). Every
 * decision is a durable mark keyed by the letter's position, so a letter is redriven at most once (a crash
 * between a re-send and its mark is the one way to send it twice) and a discarded one never.
 */
export class DeadLetterTopic {
  constructor(private readonly store: DeadLetterStore) {}

  get topic(): string {
    return this.store.topic;
  }

  /** Every letter with its state. */
  async all(): Promise<ListedDeadLetter[]> {
    const letters = await this.store.letters();
    const marks = await this.store.marks(letters);
    return letters.map((l) => {
      const position = positionOf(l);
      const mark = marks.get(position);
      return { ...l, position, state: mark?.state ?? 'pending', mark };
    });
  }

  /** Counts (whatever the limit) and up to `limit` letters matching `filter`. */
  async list(options: { filter?: DeadLetterFilter; limit?: number } = {}): Promise<DeadLetterListing> {
    const all = await this.all();
    const matched = all.filter((l) => matches(l, options.filter ?? {}));
    return {
      all: countsOf(all),
      matched: countsOf(matched),
      letters: matched.slice(0, options.limit ?? Number.POSITIVE_INFINITY),
    };
  }

  /** The letter at `position`, if the topic still has it. */
  async show(position: string): Promise<ListedDeadLetter | undefined> {
    return (await this.all()).find((l) => l.position === position);
  }

  /**
   * Marks pending letters as discarded: the one at `position`, or every one matching `filter`. Letters
   * already redriven or discarded are returned as `skipped`, unchanged.
   */
  async discard(
    selector: { position: string } | { filter: DeadLetterFilter },
    note?: string,
  ): Promise<{ discarded: ListedDeadLetter[]; skipped: ListedDeadLetter[] }> {
    const all = await this.all();
    const selected =
      'position' in selector
        ? all.filter((l) => l.position === selector.position)
        : all.filter((l) => matches(l, selector.filter));
    const discarded: ListedDeadLetter[] = [];
    const skipped: ListedDeadLetter[] = [];
    for (const l of selected) {
      if (l.state !== 'pending') {
        skipped.push(l);
        continue;
      }
      const mark: DeadLetterMark = { state: 'discarded', at: new Date().toISOString(), note };
      await this.store.mark(l.position, mark);
      discarded.push({ ...l, state: 'discarded', mark });
    }
    return { discarded, skipped };
  }

  /**
   * Re-sends up to `limit` pending letters matching `filter`, each marked redriven right after its re-send
   * was acknowledged. With `dryRun` it only returns them: nothing is sent or marked.
   */
  async redrive(
    options: { filter?: DeadLetterFilter; limit?: number; dryRun?: boolean } = {},
  ): Promise<ListedDeadLetter[]> {
    const chosen = (await this.all())
      .filter((l) => l.state === 'pending' && matches(l, options.filter ?? {}))
      .slice(0, options.limit ?? Number.POSITIVE_INFINITY);
    if (options.dryRun) return chosen;
    const done: ListedDeadLetter[] = [];
    for (const l of chosen) {
      await this.store.resend(l);
      const mark: DeadLetterMark = { state: 'redriven', at: new Date().toISOString() };
      await this.store.mark(l.position, mark);
      done.push({ ...l, state: 'redriven', mark });
    }
    return done;
  }

  /** Closes the store's connections. */
  close(): Promise<void> {
    return this.store.close();
  }
}
