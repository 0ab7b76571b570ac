import { Session } from 'chdb';
import type { Statement } from './statement.js';

export interface EngineResult {
  bytes: Buffer;
  rowsRead: number;
  bytesRead: number;
  elapsedSeconds: number;
}

/**
 * The one chDB engine of a data directory, shared by every request.
 *
 * Concurrency: chDB runs `queryAsync` on libuv worker threads, off the event loop. Queries on one
 * connection run one after another; queries on separate connections to the same path run in
 * parallel. So each request opens its own connection (about 1 ms while the anchor keeps the path
 * bound), which also keeps its SET settings and parameter values away from every other request, and
 * at most `maxConcurrent` run at once; the rest wait in order. `maxConcurrent` should stay below the
 * libuv pool size (UV_THREADPOOL_SIZE), so that gzip and file I/O are never starved by queries.
 */
export class ServedEngine {
  readonly #path: string;
  readonly #anchor: Session;
  readonly #maxConcurrent: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  #closed = false;

  constructor(path: string, opts: { maxConcurrent?: number } = {}) {
    this.#path = path;
    // Holds the data directory (and its lock) for the life of the server.
    this.#anchor = new Session(path);
    this.#maxConcurrent = opts.maxConcurrent ?? 4;
  }

  get path(): string {
    return this.#path;
  }

  get running(): number {
    return this.#running;
  }

  async run(statement: Statement, format: string): Promise<EngineResult> {
    await this.#acquire();
    let session: Session | undefined;
    try {
      session = new Session(this.#path);
      for (const sql of statement.setup) await session.queryAsync(sql);
      const result = await session.queryAsync(statement.sql, { format });
      return {
        bytes: Buffer.from(result.bytes()),
        rowsRead: result.rowsRead,
        bytesRead: result.bytesRead,
        elapsedSeconds: result.elapsed,
      };
    } finally {
      session?.close();
      this.#release();
    }
  }

  /** Refuses new work, waits for running queries, then releases the data directory. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#running > 0) await new Promise((r) => setTimeout(r, 50));
    this.#anchor.close();
  }

  async #acquire(): Promise<void> {
    if (this.#closed) throw new Error('the ClickHouse server is shutting down');
    if (this.#running < this.#maxConcurrent) {
      this.#running++;
      return;
    }
    // The releasing request hands its slot over directly, so the count never drops in between.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }
}
