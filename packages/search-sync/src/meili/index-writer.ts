import { type EnqueuedTask, type Meilisearch, MeilisearchApiError, type Task } from 'meilisearch';
import { SearchSyncError } from '../errors.js';

export interface IndexWriterOptions {
  /** How long to wait for Meilisearch to finish a task (default 60 s). */
  taskTimeoutMs?: number;
  /**
   * The longest pause between two polls of a task (default 100 ms). Polls start 5 ms apart and the
   * pause doubles up to this, so a task that takes 20 ms is seen done within ~20 ms, not after 100.
   */
  pollMs?: number;
}

/** The first pause between polls of a task; the pause doubles up to `pollMs`. */
const FIRST_POLL_MS = 5;

/**
 * The Meilisearch calls search-sync makes, each one request per index and batch, each waited for until
 * Meilisearch reports the task succeeded. Any failure becomes a SearchSyncError, so the flush keeps the
 * ids queued.
 */
export class IndexWriter {
  /** Document write requests sent (additions, updates, deletions), for stats and tests. */
  documentRequests = 0;
  private readonly taskTimeoutMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly client: Meilisearch,
    options: IndexWriterOptions = {},
  ) {
    this.taskTimeoutMs = options.taskTimeoutMs ?? 60_000;
    this.pollMs = options.pollMs ?? 100;
  }

  /** Metrics-only partial update: merges the given fields, never creates a document that is not there. */
  updateMetrics(uid: string, docs: Record<string, unknown>[], primaryKey: string): Promise<void> {
    return this.run(uid, 'metric update', () =>
      this.client.index(uid).updateDocuments(docs, { primaryKey, skipCreation: true }),
    );
  }

  /**
   * The same partial update from documents already written as one JSON array (see MetricDocuments), so
   * they are not built as objects and stringified again by the client.
   */
  updateMetricsJson(uid: string, json: string, primaryKey: string): Promise<void> {
    return this.run(uid, 'metric update', () =>
      this.client
        .index(uid)
        .updateDocumentsFromString(json, 'application/json', { primaryKey, skipCreation: true }),
    );
  }

  /** Feed documents: merged into existing ones (their metrics stay) or created. */
  upsert(uid: string, docs: Record<string, unknown>[], primaryKey: string): Promise<void> {
    return this.run(uid, 'feed upsert', () => this.client.index(uid).updateDocuments(docs, { primaryKey }));
  }

  delete(uid: string, ids: number[]): Promise<void> {
    return this.run(uid, 'feed delete', () => this.client.index(uid).deleteDocuments(ids));
  }

  /** Creates the index with its primary key if missing, then applies filterable and sortable attributes. */
  async applySettings(
    uid: string,
    primaryKey: string,
    settings: { filterableAttributes: string[]; sortableAttributes: string[] },
  ): Promise<void> {
    await this.waitFor(uid, 'index creation', () => this.client.createIndex(uid, { primaryKey }), [
      'index_already_exists',
    ]);
    await this.waitFor(uid, 'settings update', () => this.client.index(uid).updateSettings(settings));
  }

  private async run(uid: string, what: string, send: () => Promise<EnqueuedTask>): Promise<void> {
    this.documentRequests++;
    await this.waitFor(uid, what, send);
  }

  private async waitFor(
    uid: string,
    what: string,
    send: () => Promise<EnqueuedTask>,
    tolerated: readonly string[] = [],
  ): Promise<void> {
    let task: Task;
    try {
      const enqueued = await send();
      task = await this.waitForTask(enqueued.taskUid);
    } catch (cause) {
      const status = cause instanceof MeilisearchApiError ? cause.response.status : undefined;
      throw new SearchSyncError(
        'SS_MEILISEARCH_UNAVAILABLE',
        `${what} on index ${uid} failed: ${(cause as Error).message}`,
        // A 4xx other than a timeout or rate limit will fail again the same way; keep the ids anyway.
        { cause, retriable: status === undefined || status >= 500 || status === 408 || status === 429 },
      );
    }
    if (task.status === 'succeeded') return;
    if (task.error && tolerated.includes(task.error.code)) return;
    throw new SearchSyncError(
      'SS_TASK_FAILED',
      `${what} on index ${uid}: task ${task.uid} ${task.status}${task.error ? ` (${task.error.code}: ${task.error.message})` : ''}`,
      { retriable: task.error?.type !== 'invalid_request' },
    );
  }

  /** Polls a task until it is no longer enqueued or processing; fails after `taskTimeoutMs`. */
  private async waitForTask(taskUid: number): Promise<Task> {
    const signal = AbortSignal.timeout(this.taskTimeoutMs);
    let pause = Math.min(FIRST_POLL_MS, this.pollMs);
    for (;;) {
      const task = await this.client.tasks.getTask(taskUid, { signal });
      if (task.status !== 'enqueued' && task.status !== 'processing') return task;
      await new Promise((resolve) => setTimeout(resolve, pause));
      if (signal.aborted) throw new Error(`task ${taskUid} not done after ${this.taskTimeoutMs} ms`);
      pause = Math.min(pause * 2, this.pollMs);
    }
  }
}
