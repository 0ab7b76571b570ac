// The latency bench's load generator: source changes appended at a steady rate, on a thread of its own by
// default. In production the changes come from Debezium, another process; produced on the host's event loop,
// they cost that loop the encoding and the socket writes of every source record (a CPU profile of a
// `latency.ts` run at half the maximum rate, 2026-12-03: produce requests were 19% of the main thread) and
// queued the host's own work behind them. Not a bench itself.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { benchThread } from './bench-thread-start.js';

/** Strings as one buffer of their UTF-8 bytes and the end of each; `at(i)` is a view of the i-th. */
class PackedStrings {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly ends: Uint32Array,
  ) {}

  static of(strings: readonly string[]): PackedStrings {
    const ends = new Uint32Array(strings.length);
    let end = 0;
    strings.forEach((s, i) => {
      end += Buffer.byteLength(s);
      ends[i] = end;
    });
    return new PackedStrings(Buffer.from(strings.join('')), ends);
  }

  at(i: number): Buffer {
    const start = i === 0 ? 0 : this.ends[i - 1];
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start!, this.ends[i]! - start!);
  }

  get parts(): [Uint8Array, Uint32Array] {
    return [this.bytes, this.ends];
  }
}

/**
 * The run's changes, made up front and packed outside the JavaScript heap. A production host has no load
 * generator in its heap; held as strings (~50 MB, ~400k objects at half the maximum rate), they made each of
 * the host's major garbage collections mark them again.
 */
export class Outbox {
  private constructor(
    private readonly keys: PackedStrings,
    private readonly values: PackedStrings,
    private readonly partitions: Uint8Array,
  ) {}

  static of(messages: readonly { partition: number; key: string; value: string }[]): Outbox {
    return new Outbox(
      PackedStrings.of(messages.map((m) => m.key)),
      PackedStrings.of(messages.map((m) => m.value)),
      Uint8Array.from(messages, (m) => m.partition),
    );
  }

  get length(): number {
    return this.partitions.length;
  }

  messages(from: number, to: number): { partition: number; key: Buffer; value: Buffer }[] {
    const out = [];
    for (let i = from; i < to; i++) {
      out.push({ partition: this.partitions[i]!, key: this.keys.at(i), value: this.values.at(i) });
    }
    return out;
  }

  /** What a thread needs to rebuild it (`Outbox.from`). */
  get parts(): OutboxParts {
    return [...this.keys.parts, ...this.values.parts, this.partitions];
  }

  static from(p: OutboxParts): Outbox {
    return new Outbox(new PackedStrings(p[0], p[1]), new PackedStrings(p[2], p[3]), p[4]);
  }
}

type OutboxParts = [Uint8Array, Uint32Array, Uint8Array, Uint32Array, Uint8Array];

/** One produce request's outcome for one partition: its first offset, its record count and append time. */
export interface Appended {
  partition: number;
  baseOffset: number;
  count: number;
  /** The broker's LogAppendTime, or the send time when the response had none (counted in `missing`). */
  at: number;
}

export interface SteadyRun {
  /** When the first change was due (ms since the epoch). */
  started: number;
  /** When the last produce request was answered. */
  ended: number;
  /** Responses without a LogAppendTime. */
  missing: number;
}

interface SteadyOptions {
  brokers: string[];
  topic: string;
  /** Changes per second. */
  rate: number;
  partitions: number;
}

/**
 * Appends the outbox's changes at `rate` per second, in requests of what became due since the last one,
 * calling `onStart` once before the first and `onAppended` after each (per partition).
 */
async function produceSteadily(
  producer: Producer,
  outbox: Outbox,
  o: SteadyOptions,
  onStart: (at: number) => void,
  onAppended: (batch: Appended[]) => void,
): Promise<SteadyRun> {
  const total = outbox.length;
  let sent = 0;
  let missing = 0;
  const started = Date.now();
  onStart(started);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1_000) * o.rate));
    if (due <= sent) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    const messages = outbox.messages(sent, due);
    const perPartition = new Array<number>(o.partitions).fill(0);
    for (const m of messages) perPartition[m.partition]!++;
    const sentAt = Date.now();
    const meta = await producer.send({ topic: o.topic, acks: -1, messages });
    const batch: Appended[] = [];
    for (const m of meta) {
      let at = Number(m.logAppendTime);
      if (!(at > 0)) {
        missing++;
        at = sentAt;
      }
      batch.push({
        partition: m.partition,
        baseOffset: Number(m.baseOffset),
        count: perPartition[m.partition]!,
        at,
      });
    }
    onAppended(batch);
    sent = due;
  }
  return { started, ended: Date.now(), missing };
}

/**
 * Runs `produceSteadily` with a producer of its own, on a worker thread unless `inline` (then on this
 * thread, as the bench did before 2026-12-03, to compare). `onStart` and `onAppended` run on this thread.
 */
export async function appendSteadily(
  outbox: Outbox,
  o: SteadyOptions & { inline: boolean },
  onStart: (at: number) => void,
  onAppended: (batch: Appended[]) => void,
): Promise<SteadyRun> {
  const options: SteadyOptions = {
    brokers: o.brokers,
    topic: o.topic,
    rate: o.rate,
    partitions: o.partitions,
  };
  if (o.inline)
    return withProducer(options.brokers, (p) => produceSteadily(p, outbox, options, onStart, onAppended));
  const worker = benchThread('steady-producer', { options, outbox: outbox.parts });
  try {
    return await new Promise<SteadyRun>((resolve, reject) => {
      worker.on('message', (m: ThreadMessage) => {
        if (m.kind === 'start') onStart(m.at);
        else if (m.kind === 'appended') onAppended(m.batch);
        else resolve(m.run);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`steady producer thread exited with ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}

type ThreadMessage =
  | { kind: 'start'; at: number }
  | { kind: 'appended'; batch: Appended[] }
  | { kind: 'done'; run: SteadyRun };

async function withProducer<T>(brokers: string[], use: (p: Producer) => Promise<T>): Promise<T> {
  const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    return await use(producer);
  } finally {
    await producer.disconnect();
  }
}

/** The thread's side (`bench-thread.mjs` calls it). */
export async function runThread(): Promise<void> {
  if (isMainThread || !parentPort) throw new Error('runThread runs on the steady producer thread');
  const port = parentPort;
  const { options, outbox } = workerData as { options: SteadyOptions; outbox: OutboxParts };
  const post = (m: ThreadMessage) => port.postMessage(m);
  const run = await withProducer(options.brokers, (p) =>
    produceSteadily(
      p,
      Outbox.from(outbox),
      options,
      (at) => post({ kind: 'start', at }),
      (batch) => post({ kind: 'appended', batch }),
    ),
  );
  post({ kind: 'done', run });
}
