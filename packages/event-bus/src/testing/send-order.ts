import type { KafkaRecord } from '../events/kafka-record.js';

const sameBytes = (a: Buffer | null, b: Buffer | null): boolean =>
  a === null || b === null ? a === b : a.equals(b);

const sameRecord = (a: KafkaRecord, b: KafkaRecord): boolean =>
  sameBytes(a.key, b.key) && sameBytes(a.value, b.value);

/**
 * The records a test host was sent, per partition. Fake changes take their offsets in the order they are
 * built, and a record behind the furthest offset sent on its partition reads as a redelivery: the cache
 * skips its positions as applied already. So a change built early and sent late (`const removal =
 * rows.deleted(row)` at module level, sent after a create built in the test) would be dropped without a
 * trace; `check` refuses it instead. Sending a change again (the same record at the same offset) stays a
 * redelivery.
 */
export class SendOrder {
  private readonly sent = new Map<string, Map<string, KafkaRecord>>();
  private readonly furthest = new Map<string, bigint>();

  /** Throws, before any of `records` is processed, if one goes back on its partition to an offset not sent there. */
  check(records: readonly KafkaRecord[]): void {
    const fresh: KafkaRecord[] = [];
    const furthest = new Map(this.furthest);
    for (const record of records) {
      const partition = `${record.topic}:${record.partition}`;
      const offset = BigInt(record.offset);
      const ahead = furthest.get(partition);
      if (ahead === undefined || offset > ahead) {
        furthest.set(partition, offset);
        fresh.push(record);
        continue;
      }
      const earlier =
        this.sent.get(partition)?.get(record.offset) ??
        fresh.find(
          (r) => r.topic === record.topic && r.partition === record.partition && r.offset === record.offset,
        );
      if (earlier && sameRecord(earlier, record)) continue;
      throw new Error(
        `send: the record at offset ${record.offset} of ${partition} goes back behind offset ${ahead} and is ` +
          `not a redelivery (${earlier ? 'another record was sent at that offset' : 'nothing was sent at that offset'}): ` +
          'the host would take its positions for applied already and drop it. Fake changes take their offsets in ' +
          'the order they are built: build changes in the order you send them (not ahead of them, at module level). ' +
          'To redeliver a change, send the same change again; `fakeEvent.resent(change)` is its copy at a new offset.',
      );
    }
    for (const record of fresh) {
      const partition = `${record.topic}:${record.partition}`;
      const offsets = this.sent.get(partition) ?? new Map<string, KafkaRecord>();
      offsets.set(record.offset, record);
      this.sent.set(partition, offsets);
    }
    for (const [partition, offset] of furthest) this.furthest.set(partition, offset);
  }
}
