import type { DeadLetter } from './dead-letter.js';

/** What happened to a letter after it was written. Redriven letters are never redriven again. */
export interface DeadLetterMark {
  state: 'redriven' | 'discarded';
  /** ISO time of the decision. */
  at: string;
  /** Why (a discard's `--reason`, or the filter that selected it). */
  note?: string;
}

/**
 * Storage of the dead-letter workflow: the letters, a durable mark per decided letter (keyed by its
 * position), and the re-send to the source partition. `KafkaDeadLetterStore` keeps them in Kafka;
 * `InMemoryDeadLetterStore` is its in-memory fake for tests.
 */
export interface DeadLetterStore {
  /** The dead-letter topic's name. */
  readonly topic: string;
  /** Every letter still stored, oldest first per partition. */
  letters(): Promise<DeadLetter[]>;
  /** The marks of `letters` (and possibly of others), by position; the latest mark of a position wins. */
  marks(letters: readonly DeadLetter[]): Promise<Map<string, DeadLetterMark>>;
  /** Records `mark` for the letter at `position`, durably, before resolving. */
  mark(position: string, mark: DeadLetterMark): Promise<void>;
  /** Sends a letter back to its source partition (for its listener only); resolves once acknowledged. */
  resend(letter: DeadLetter): Promise<void>;
  /** Releases connections opened on the way (none for reads only in the fake). */
  close(): Promise<void>;
}
