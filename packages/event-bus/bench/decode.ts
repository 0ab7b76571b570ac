// The decoder alone (no stack needed): main-thread µs per change to decode the limits bench's Debezium
// ImageReaction messages, as the bench produces them and with the `ts_us`/`ts_ns` stamps Debezium 2.x and
// later add to `source` and to the envelope, beside `JSON.parse` of the same values (what phase (b) pays).
//   npx tsx --conditions=source packages/event-bus/bench/decode.ts [changes] [--rounds 7]
// Prints the median of the rounds. To compare two versions, run it in each checkout back to back.
import { createDecoder } from '../src/events/decode.js';
import type { KafkaRecord } from '../src/events/kafka-record.js';
import { benchDecodeOptions, benchReactions, countArg, flag } from './bench-kit.js';
import { median } from './stats.js';

const topic = 'bench.decode';
const rounds = Number(flag('rounds') ?? 7);
const data = benchReactions(countArg(100_000));
const asRecord = (m: (typeof data.messages)[number], i: number, value = m.value): KafkaRecord => ({
  topic,
  partition: m.partition,
  offset: String(i),
  key: Buffer.from(m.key),
  value: Buffer.from(value),
  headers: {},
});
const stamped = (value: string) =>
  value
    .replace('"lsn":', '"ts_us":1796580744001123,"ts_ns":1796580744001123000,"lsn":')
    .replace(/}$/, ',"ts_us":1796580744006123,"ts_ns":1796580744006123000}');
const shapes = {
  'as the bench produces them': data.messages.map((m, i) => asRecord(m, i)),
  'with ts_us and ts_ns': data.messages.map((m, i) => asRecord(m, i, stamped(m.value))),
};

const decode = createDecoder(benchDecodeOptions(topic));
let kept = 0;
const perChange = (records: KafkaRecord[], work: (r: KafkaRecord) => number) => {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    for (const r of records) kept += work(r);
    times.push(((performance.now() - t0) * 1000) / records.length);
  }
  return median(times).toFixed(2);
};

console.log(`decode bench: ${data.messages.length} changes, median of ${rounds} rounds, µs per change`);
for (const [shape, records] of Object.entries(shapes)) {
  const parse = perChange(records, (r) => (JSON.parse(r.value!.toString('utf8')) ? 1 : 0));
  const decoded = perChange(records, (r) => decode(r).kind.length);
  console.log(`  ${shape}: JSON.parse of the value ${parse}, decode ${decoded}`);
}
if (kept === 0) console.log('(nothing decoded)');
