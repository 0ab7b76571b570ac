import type { DeadLetter } from './dead-letter.js';
import type { DeadLetterMark, DeadLetterStore } from './dead-letter-store.js';

/** A `DeadLetterStore` kept in memory: letters are added by the test, marks and re-sends are recorded. */
export class InMemoryDeadLetterStore implements DeadLetterStore {
  readonly stored: DeadLetter[] = [];
  readonly markLog: { position: string; mark: DeadLetterMark }[] = [];
  /** Every re-send, in order. */
  readonly resent: DeadLetter[] = [];

  constructor(readonly topic = 'eventbus.dead-letters') {}

  /** Appends a letter to `partition` at the next offset and returns it. */
  add(letter: Partial<DeadLetter> & Pick<DeadLetter, 'code'>, partition = 0): DeadLetter {
    const offset = String(this.stored.filter((l) => l.partition === partition).length);
    const full: DeadLetter = {
      topic: this.topic,
      partition,
      offset,
      key: null,
      value: null,
      headers: {},
      message: '',
      source: { topic: 'app.public.ImageReaction', partition: 0, offset: offset },
      attempts: 1,
      failedAt: new Date(0).toISOString(),
      ...letter,
    };
    this.stored.push(full);
    return full;
  }

  async letters(): Promise<DeadLetter[]> {
    return [...this.stored].sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  }

  async marks(_letters: readonly DeadLetter[]): Promise<Map<string, DeadLetterMark>> {
    return new Map(this.markLog.map((m) => [m.position, m.mark]));
  }

  async mark(position: string, mark: DeadLetterMark): Promise<void> {
    this.markLog.push({ position, mark });
  }

  async resend(letter: DeadLetter): Promise<void> {
    this.resent.push(letter);
  }

  async close(): Promise<void> {}
}
