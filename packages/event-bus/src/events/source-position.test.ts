import { describe, expect, it } from 'vitest';
import { loadFixture } from './__fixtures__/load.js';
import { createDecoder } from './decode.js';
import { debeziumSourcePosition } from './source-position.js';

const decode = createDecoder({ debezium: { topicPrefix: 'app' } });
const positionOf = (fixture: string) => {
  const result = decode(loadFixture(fixture));
  if (result.kind !== 'event') throw new Error(`expected an event, got skip "${result.reason}"`);
  return result.event.sourcePosition;
};
const hex = (lsn: bigint) => lsn.toString(16).padStart(16, '0');

describe('debeziumSourcePosition', () => {
  it('turns both LSNs of source.sequence into fixed-width hex, lastCommitLsn first', () => {
    expect(debeziumSourcePosition('["27904824","27904900"]')).toBe(`${hex(27904824n)}:${hex(27904900n)}`);
    expect(debeziumSourcePosition('["18446744073709551615","0"]')).toBe(`ffffffffffffffff:${hex(0n)}`);
  });

  it('sorts as the pair does: commit order first, then WAL order, however many digits', () => {
    // Interleaved transactions: the later commit's change has the lower lsn, and sorts after.
    const earlierCommit = debeziumSourcePosition('["900","99999"]')!;
    const laterCommit = debeziumSourcePosition('["1000","950"]')!;
    expect(earlierCommit < laterCommit).toBe(true);
    expect(debeziumSourcePosition('["1000","999"]')! < debeziumSourcePosition('["1000","1000"]')!).toBe(true);
    expect(debeziumSourcePosition('["9","9"]')! < debeziumSourcePosition('["10","10"]')!).toBe(true);
  });

  it('gives the BigInt hex for LSNs of every length, by the plain path and the JSON path alike', () => {
    let seed = 7;
    const digit = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return String(seed % 10);
    };
    for (let length = 1; length <= 20; length++) {
      for (let k = 0; k < 50; k++) {
        const a = Array.from({ length }, digit).join('');
        const b = Array.from({ length }, digit).join('');
        const max = (1n << 64n) - 1n;
        const want = BigInt(a) > max || BigInt(b) > max ? null : `${hex(BigInt(a))}:${hex(BigInt(b))}`;
        expect(debeziumSourcePosition(`["${a}","${b}"]`), `${a} ${b}`).toBe(want);
        // Spaces: not the plain shape, so read through JSON.parse.
        expect(debeziumSourcePosition(`[ "${a}", "${b}" ]`), `${a} ${b}`).toBe(want);
      }
    }
    expect(debeziumSourcePosition('["9007199254740993","1"]')).toBe(`${hex(9007199254740993n)}:${hex(1n)}`);
  });

  it('is null without a usable sequence: absent, a null LSN, malformed, beyond 64 bits', () => {
    for (const sequence of [
      undefined,
      null,
      42,
      '[null,"26850000"]',
      '["26850000",null]',
      '["1","2","3"]',
      '["0x10","2"]',
      '["-1","2"]',
      '"not a pair"',
      '[1,2',
      '["18446744073709551616","1"]',
    ]) {
      expect(debeziumSourcePosition(sequence), String(sequence)).toBeNull();
    }
  });
});

describe('ChangeEvent.sourcePosition from the decoder', () => {
  it('carries the captured sequence of a streamed change', () => {
    // image-reaction.update.no-schema: "sequence": "[\"27904824\",\"27904824\"]"
    expect(positionOf('debezium/image-reaction.update.no-schema')).toBe(
      `${hex(27904824n)}:${hex(27904824n)}`,
    );
  });

  it('is null for snapshot reads (one shared lsn, and never re-sent by a restart)', () => {
    expect(positionOf('debezium/type-probe.snapshot.no-schema')).toBeNull();
  });

  it('is null for rows of another connector than Postgres, whose sequence means something else', () => {
    const record = loadFixture('debezium/image-reaction.update.no-schema');
    const value = JSON.parse(record.value!.toString());
    value.source.connector = 'mysql';
    const result = decode({ ...record, value: Buffer.from(JSON.stringify(value)) });
    expect(result.kind === 'event' && result.event.sourcePosition).toBeNull();
  });
});
