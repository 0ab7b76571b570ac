import { isMeiliError, type MeiliErrorBody, meiliErrors } from './meili-error.js';

export type TaskStatus = 'enqueued' | 'processing' | 'succeeded' | 'failed' | 'canceled';

/** A task as `GET /tasks/{uid}` returns it. */
export interface FakeTask {
  uid: number;
  batchUid: number | null;
  indexUid: string | null;
  status: TaskStatus;
  type: string;
  canceledBy: number | null;
  details: Record<string, unknown>;
  error: MeiliErrorBody | null;
  duration: string | null;
  enqueuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What a task does when processed: returns the final details, or throws a MeiliError to fail it. */
export type TaskWork = () => Record<string, unknown>;

/**
 * Meilisearch's task queue: every write is enqueued, answered with 202 and a task summary, and processed
 * later, one task at a time in enqueue order (enqueued → processing → succeeded | failed). Processing each
 * task takes `processingMs`, so callers really have to wait for it.
 */
export class FakeTaskQueue {
  /** Milliseconds spent processing tasks (the documents' merge, for instance). */
  busyMs = 0;
  private readonly tasks: FakeTask[] = [];
  private readonly work = new Map<number, TaskWork>();
  private readonly injected: MeiliErrorBody[] = [];
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private nextBatch = 0;

  constructor(private readonly processingMs: number) {}

  /** Enqueues work and returns the summary Meilisearch answers with. */
  enqueue(indexUid: string | null, type: string, details: Record<string, unknown>, work: TaskWork) {
    const task: FakeTask = {
      uid: this.tasks.length,
      batchUid: null,
      indexUid,
      status: 'enqueued',
      type,
      canceledBy: null,
      details,
      error: null,
      duration: null,
      enqueuedAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    this.tasks.push(task);
    this.work.set(task.uid, work);
    this.schedule();
    return { taskUid: task.uid, indexUid, status: task.status, type, enqueuedAt: task.enqueuedAt };
  }

  get(uid: number): FakeTask | undefined {
    return this.tasks[uid];
  }

  all(): readonly FakeTask[] {
    return this.tasks;
  }

  /** The next `count` tasks to be processed fail with `error` (an internal error by default). */
  failNext(count: number, error?: MeiliErrorBody): void {
    const body = error ?? meiliErrors.internal('injected failure').body;
    for (let i = 0; i < count; i++) this.injected.push(body);
  }

  /** Stops picking up tasks; enqueued ones stay enqueued until `resume`. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /** Stops processing for good (server closing). */
  stop(): void {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.paused) return;
    const next = this.tasks.find((t) => t.status === 'enqueued');
    if (!next) return;
    next.status = 'processing';
    next.batchUid = this.nextBatch++;
    next.startedAt = new Date().toISOString();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.finish(next);
      this.schedule();
    }, this.processingMs);
  }

  private finish(task: FakeTask): void {
    const t0 = performance.now();
    try {
      this.process(task);
    } finally {
      this.busyMs += performance.now() - t0;
    }
  }

  private process(task: FakeTask): void {
    const work = this.work.get(task.uid)!;
    this.work.delete(task.uid);
    const injected = this.injected.shift();
    try {
      if (injected) throw injected;
      task.details = { ...task.details, ...work() };
      task.status = 'succeeded';
    } catch (error) {
      task.status = 'failed';
      task.error = isMeiliError(error)
        ? error.body
        : isErrorBody(error)
          ? error
          : meiliErrors.internal(String(error)).body;
    }
    const finished = new Date();
    task.finishedAt = finished.toISOString();
    task.duration = `PT${((finished.getTime() - Date.parse(task.startedAt!)) / 1000).toFixed(3)}S`;
  }
}

const isErrorBody = (e: unknown): e is MeiliErrorBody =>
  typeof e === 'object' && e !== null && 'code' in e && 'message' in e && 'type' in e;
