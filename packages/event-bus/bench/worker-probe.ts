// The benches' plugin module for pool threads: the sample plugin, plus each pool thread telling the main
// thread its thread id, so cpu-meter.ts can read that thread's CPU time in /proc (Node 20 has no
// per-thread CPU clock, and every thread of the process is named `node`).
import { readlinkSync } from 'node:fs';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';

export { samplePlugin } from '../test/sample-plugin.js';

/** The channel on which pool threads announce their thread ids. */
export const POOL_THREADS_CHANNEL = 'bench.pool-threads';

if (!isMainThread) {
  try {
    // /proc/thread-self -> "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    const channel = new BroadcastChannel(POOL_THREADS_CHANNEL);
    channel.postMessage(tid);
    channel.unref();
  } catch {
    // Off Linux: pool CPU is then counted with the other threads.
  }
}
