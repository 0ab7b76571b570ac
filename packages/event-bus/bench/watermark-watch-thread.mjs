// The latency bench's watermark watch thread (watermark-watch.ts). Node does not carry tsx's loader into
// worker threads, so a thread started from the TypeScript sources registers it before loading the module.
import { workerData } from 'node:worker_threads';

if (workerData.source) (await import('tsx/esm/api')).register();
const { runThread } = await import(workerData.source ? './watermark-watch.ts' : './watermark-watch.js');
await runThread();
