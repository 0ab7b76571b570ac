// The latency bench's other way to see a change reach Redis (latency.ts, --watch-marks): the cache sink's
// watermark hashes, watched from a thread of their own, so an apply is seen whichever thread or connection
// made it (a pool thread applies large metric batches on its own connection, which the bench's wrapped client
// cannot see). Redis publishes a keyspace notification for every write to a hash (`notify-keyspace-events`,
// set for the watch and restored after); on one, the thread reads that watermark hash and posts the time of
// the reply and the watermarks of the run's source topic. A read that is in flight when its key changes again
// is followed by one more, so the last write of every burst is seen. The time is the reply's on the watching
// thread: one local round trip after the script ran, as the wrapped client's is one reply after it; the
// notification for each hash write of every increment costs Redis a little more work (no subscriber listens
// to those keys).

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { benchThread } from './bench-thread-start.js';

interface WatchOptions {
  redisUrl: string;
  /** The cache's watermark base key (`cacheWatermarkKey(scope)`): every shard's hash is `<base>:{s<k>}`. */
  baseKey: string;
  /** Only watermarks of origins `<topic>:<partition>` are posted. */
  topic: string;
}

type ThreadMessage = { kind: 'ready' } | { kind: 'marks'; at: number; marks: [string, number][] };

export interface WatermarkWatch {
  stop(): Promise<void>;
}

/** Starts watching; resolves once the thread listens, so no apply after it is missed. */
export async function watchWatermarks(
  redis: Redis,
  options: WatchOptions,
  onMarks: (at: number, marks: Map<string, number>) => void,
): Promise<WatermarkWatch> {
  const [, previous = ''] = (await redis.config('GET', 'notify-keyspace-events')) as string[];
  await redis.config('SET', 'notify-keyspace-events', 'Kh');
  const worker = benchThread('watermark-watch', { options });
  const failed = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`watermark watch thread exited with ${code}`)));
  });
  failed.catch(() => undefined);
  await Promise.race([
    new Promise<void>((ready) =>
      worker.on('message', (m: ThreadMessage) => {
        if (m.kind === 'ready') ready();
        else onMarks(m.at, new Map(m.marks));
      }),
    ),
    failed,
  ]);
  return {
    async stop() {
      worker.removeAllListeners('exit');
      await worker.terminate();
      await redis.config('SET', 'notify-keyspace-events', previous);
    },
  };
}

/** The thread's side (`bench-thread.mjs` calls it). */
export async function runThread(): Promise<void> {
  if (isMainThread || !parentPort) throw new Error('runThread runs on the watermark watch thread');
  const port = parentPort;
  const { options } = workerData as { options: WatchOptions };
  const subscriber = new Redis(options.redisUrl);
  const reader = new Redis(options.redisUrl);
  const prefix = `${options.topic}:`;
  const reading = new Set<string>();
  const changedAgain = new Set<string>();
  const read = async (key: string) => {
    reading.add(key);
    do {
      changedAgain.delete(key);
      const hash = await reader.hgetall(key);
      const at = Date.now();
      const marks: [string, number][] = [];
      for (const [field, value] of Object.entries(hash))
        if (field.startsWith(prefix)) marks.push([field, Number(value)]);
      if (marks.length) port.postMessage({ kind: 'marks', at, marks } satisfies ThreadMessage);
    } while (changedAgain.has(key));
    reading.delete(key);
  };
  subscriber.on('pmessage', (_pattern: string, channel: string) => {
    const key = channel.slice(channel.indexOf('__:') + 3);
    if (reading.has(key)) changedAgain.add(key);
    else void read(key);
  });
  await subscriber.psubscribe(`__keyspace@*__:${options.baseKey}:*`);
  port.postMessage({ kind: 'ready' } satisfies ThreadMessage);
}
