import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread that runs `runThread` of the bench module `name` (without its extension, next to
 * this file: `.ts` from the sources, `.js` when built), with `data` as its `workerData` besides the module.
 */
export function benchThread(name: string, data: Record<string, unknown>): Worker {
  const source = import.meta.url.endsWith('.ts');
  const module = new URL(`./${name}${source ? '.ts' : '.js'}`, import.meta.url).href;
  return new Worker(new URL('./bench-thread.mjs', import.meta.url), {
    workerData: { ...data, module, source },
    execArgv: source ? ['--conditions=source'] : process.execArgv,
  });
}
