// The Meilisearch fake in a process of its own, for benches that time search-sync: as with a real server,
// parsing the 11 MB body of a 10k-document update, merging it and collecting its garbage happen off the
// bench's event loop and heap. `busyMs` is that process's CPU time (/proc, 10 ms resolution), the
// in-process fake's `busyMs` counterpart. `fake-process-main.ts` is the child.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { procStat } from '../../event-bus/bench/cpu-meter.js';

export interface BenchFake {
  readonly host: string;
  /** CPU milliseconds the fake has used so far (its own work: bodies, merges, tasks, GC). */
  readonly busyMs: number;
  close(): Promise<void>;
}

export async function startFakeProcess(options: {
  apiKey: string;
  processingMs: number;
}): Promise<BenchFake> {
  const main = fileURLToPath(new URL('./fake-process-main.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', main, JSON.stringify(options)],
    // From the bench's folder, so that `--import tsx` resolves whatever directory the bench was started in.
    { cwd: dirname(main), stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const host = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the fake's process exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line).host));
  });
  const pid = child.pid!;
  return {
    host,
    get busyMs() {
      return procStat(`/proc/${pid}/stat`)?.cpuMs ?? 0;
    },
    async close() {
      child.stdin!.end(); // the child closes its server and exits when its stdin ends
      await exited;
    },
  };
}
