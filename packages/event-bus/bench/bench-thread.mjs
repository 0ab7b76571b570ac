// A bench's worker thread (started by `benchThread` in bench-thread-start.ts): imports the bench module named
// in its data and runs that module's `runThread`. Node does not carry tsx's loader into worker threads, so a
// thread started from the TypeScript sources registers it before loading the module.
import { workerData } from 'node:worker_threads';

if (workerData.source) (await import('tsx/esm/api')).register();
const { runThread } = await import(workerData.module);
await runThread();
