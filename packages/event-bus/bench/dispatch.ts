// Main-thread cost per change of decoding and dispatching, without Kafka or sinks: the sample plugin's
// ImageReaction changes (the limits bench's traffic) decoded and dispatched in a loop, in rounds, printing
// µs per change for decode, dispatch and both. For side-by-side runs of a change to those stages:
//   npx tsx --conditions=source packages/event-bus/bench/dispatch.ts [changes] [--rounds 7]
import { type ChangeEvent, silentLogger } from '@engagement/plugin-api';
import { createDecoder } from '../src/events/decode.js';
import { Dispatcher } from '../src/runtime/dispatcher.js';
import { PluginContainer } from '../src/runtime/plugin-container.js';
import { validatePlugins } from '../src/runtime/validate-plugins.js';
import { samplePlugin } from '../test/sample-plugin.js';
import { benchDecodeOptions, benchReactions, countArg, flag } from './bench-kit.js';

const creates = countArg(50_000);
const rounds = Number(flag('rounds') ?? 7);
const topic = 'bench.dispatch';
const records = benchReactions(creates).messages.map((m, i) => ({
  topic,
  partition: m.partition,
  offset: String(i),
  key: Buffer.from(m.key),
  value: Buffer.from(m.value),
}));
const decode = createDecoder(benchDecodeOptions(topic));
const dispatcher = new Dispatcher(
  validatePlugins([samplePlugin], []),
  await PluginContainer.create([samplePlugin], []),
  { logger: silentLogger, onListenerRun: () => {} },
);

const perChange = (ms: number) => ((ms * 1_000) / records.length).toFixed(2).padStart(6);
console.log(`${records.length} changes per round; µs per change`);
console.log('round  decode  dispatch  both');
for (let round = 1; round <= rounds; round++) {
  const t0 = performance.now();
  const events: ChangeEvent[] = [];
  for (const r of records) {
    const d = decode(r);
    if (d.kind === 'event') events.push(d.event);
  }
  const t1 = performance.now();
  let metrics = 0;
  for (const e of events) {
    // As the record processor does: wait only for a change whose listeners returned a promise.
    const result = dispatcher.dispatch(e);
    metrics += (result instanceof Promise ? await result : result).metrics.length;
  }
  const t2 = performance.now();
  if (metrics !== events.length * 3) throw new Error(`${metrics} metric events for ${events.length} changes`);
  console.log(
    `${String(round).padStart(5)}  ${perChange(t1 - t0)}  ${perChange(t2 - t1)}  ${perChange(t2 - t0)}`,
  );
}
