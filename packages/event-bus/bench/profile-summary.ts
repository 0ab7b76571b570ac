// Summarises a V8 CPU profile (`node --cpu-prof`) of a bench: self time per function and per category
// (GC, JSON serialisation, decoding, hashing, Redis, kafkajs, ClickHouse, dispatcher and listeners …),
// as shares of the busy time (idle left out). Profile the pipeline phase of throughput.ts, then summarise:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --conditions=source --import tsx \
//     packages/event-bus/bench/throughput.ts 100000
//   npx tsx packages/event-bus/bench/profile-summary.ts /tmp/prof [--from startPipeline] [--top 25]
// A directory is read for its busiest profile (the main thread; tsx's loader thread is mostly idle).
// --from NAME starts the window at the first sample with a function NAME on its stack (default
// startPipeline, so producing the topic and the bare kafkajs phase are left out); --from '' keeps all.
// A sample's category is the first rule matching a frame, walking from the leaf to the root, so Node's own
// buffer and stream code counts for the library that called it. V8 builtins such as JSON.stringify have no
// frame of their own: their time is the self time of the JavaScript function that called them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const KAFKAJS = /kafkajs\/src\//;
/** Categories, in the order they are tried on each frame (leaf first); `stack` is the sample's, leaf first. */
const RULES: { category: string; test: (f: CallFrame, stack: readonly CallFrame[]) => boolean }[] = [
  { category: 'GC', test: (f) => f.functionName === '(garbage collector)' },
  {
    category: 'metric rows to JSON (ClickHouse insert, metric topic)',
    test: (f) =>
      /metric-event-row\.ts$/.test(f.url) ||
      /^(encodeMetricMessages|encodeMetricMessage|encodeJSON|encodeValues)$/.test(f.functionName),
  },
  {
    category: 'metric messages decode (apply stage)',
    test: (f) => /^decodeMetricMessages?$/.test(f.functionName),
  },
  {
    category: 'hashing and ids',
    test: (f) => /(change-id|event-id|sha256|cache-keys)\.ts$|crypto/.test(f.url),
  },
  {
    category: 'source decoding (Debezium JSON, positions)',
    test: (f) =>
      /src\/events\/(json-text|debezium|decode|source-position|connect-\w+|postgres-types)\.ts$/.test(f.url),
  },
  { category: 'Redis (our sink)', test: (f) => /src\/sinks\/redis\//.test(f.url) },
  { category: 'Redis (ioredis)', test: (f) => /node_modules\/ioredis\//.test(f.url) },
  {
    category: 'ClickHouse (client, chDB)',
    test: (f) => /node_modules\/(@clickhouse|chdb)\/|sinks\/clickhouse\//.test(f.url),
  },
  // kafkajs's record batches, CRCs and socket code serve both directions: the stack above them decides.
  {
    category: 'kafkajs produce',
    test: (f, stack) =>
      KAFKAJS.test(f.url) &&
      stack.some((s) => /kafkajs\/src\/(producer|protocol\/requests\/produce)/.test(s.url)),
  },
  {
    category: 'kafkajs fetch',
    test: (f, stack) =>
      KAFKAJS.test(f.url) &&
      stack.some((s) => /kafkajs\/src\/(consumer|protocol\/requests\/fetch)/.test(s.url)),
  },
  { category: 'kafkajs (socket writes, requests, commits)', test: (f) => KAFKAJS.test(f.url) },
  {
    category: 'dispatcher and listeners',
    test: (f) => /src\/runtime\/(dispatcher|record-processor)\.ts$|sample-plugin|\/plugins\//.test(f.url),
  },
  { category: 'ingest and apply stages, consumer', test: (f) => /src\/(runtime|kafka)\//.test(f.url) },
  { category: 'bench harness', test: (f) => /\/bench\/|\/test\//.test(f.url) },
  { category: 'V8 (program: compile, runtime)', test: (f) => f.functionName === '(program)' },
];

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** The profile at `path`, or the busiest profile in the directory `path`. */
function loadProfile(path: string): { file: string; profile: CpuProfile } {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(path, f))
    : [path];
  if (files.length === 0) throw new Error(`no .cpuprofile file in ${path}`);
  const busy = (p: CpuProfile) => {
    const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
    return p.samples.filter((s) => !idle.has(s)).length;
  };
  const loaded = files.map((file) => ({
    file,
    profile: JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
  }));
  return loaded.reduce((a, b) => (busy(b.profile) > busy(a.profile) ? b : a));
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/(packages|services)\//, '');
}

const path = process.argv[2];
if (!path || path.startsWith('--')) {
  console.error('usage: profile-summary.ts <profile or directory> [--from startPipeline] [--top 25]');
  process.exit(2);
}
const from = argValue('from', 'startPipeline');
const top = Number(argValue('top', '25'));
const { file, profile } = loadProfile(path);

const parent = new Map<number, ProfileNode>();
const byId = new Map<number, ProfileNode>();
for (const n of profile.nodes) byId.set(n.id, n);
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
const categoryOf = new Map<number, string>();
const hasFrom = new Map<number, boolean>();
function classify(id: number): string {
  let category = categoryOf.get(id);
  if (category !== undefined) return category;
  category = 'other';
  const stack: CallFrame[] = [];
  for (let n: ProfileNode | undefined = byId.get(id); n; n = parent.get(n.id)) stack.push(n.callFrame);
  for (const frame of stack) {
    const rule = RULES.find((r) => r.test(frame, stack));
    if (rule) {
      category = rule.category;
      break;
    }
  }
  categoryOf.set(id, category);
  return category;
}
function onStack(id: number): boolean {
  let found = hasFrom.get(id);
  if (found !== undefined) return found;
  found = false;
  for (let n: ProfileNode | undefined = byId.get(id); n; n = parent.get(n.id)) {
    if (n.callFrame.functionName === from) found = true;
  }
  hasFrom.set(id, found);
  return found;
}

const selfUs = new Map<string, number>();
const categoryUs = new Map<string, number>();
let started = from === '';
let busyUs = 0;
let idleUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  // A sample's delta is the time since the previous one; the next sample's delta is this one's duration.
  const us = profile.timeDeltas[i + 1] ?? 0;
  started ||= onStack(id);
  if (!started) continue;
  const frame = byId.get(id)!.callFrame;
  if (frame.functionName === '(idle)') {
    idleUs += us;
    continue;
  }
  busyUs += us;
  const key = `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
  selfUs.set(key, (selfUs.get(key) ?? 0) + us);
  const category = classify(id);
  categoryUs.set(category, (categoryUs.get(category) ?? 0) + us);
}
if (!started) {
  console.error(`no sample has ${from} on its stack; try --from ''`);
  process.exit(1);
}

const pct = (us: number) => `${((us / busyUs) * 100).toFixed(1).padStart(5)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
console.log(`${basename(file)}: window from ${from || 'the start'}`);
console.log(
  `busy ${(busyUs / 1e6).toFixed(2)} s, idle ${(idleUs / 1e6).toFixed(2)} s (shares are of busy time)`,
);
console.log('\nby category');
for (const [c, us] of [...categoryUs].sort((a, b) => b[1] - a[1])) console.log(`${ms(us)} ${pct(us)}  ${c}`);
console.log(`\ntop ${top} functions by self time`);
for (const [k, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(us)} ${pct(us)}  ${k}`);
