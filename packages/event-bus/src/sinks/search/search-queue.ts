import type { Redis } from 'ioredis';
import { SinkError } from '../../errors.js';

/** A batch taken from the queue; `ack` it after the index accepted the update. */
export interface TakenIds {
  index: string;
  ids: number[];
  /** Queue time of the newest id taken; ids re-queued after it stay queued on `ack`. */
  takenUpTo: number;
}

const ACK_LUA = `
local removed = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[1]) then
    redis.call('ZREM', KEYS[1], ARGV[i])
    removed = removed + 1
  end
end
return removed
`;

/**
 * Pending search-index updates: one Redis sorted set per index, member = entity id, score = when it was
 * last queued. Redis keeps it across host restarts; queueing an id twice keeps one entry (coalescing).
 * An id queued again while a flush is in flight gets a newer score and survives that flush's `ack`.
 */
export class SearchQueue {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'search:queue:',
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues ids for an index. */
  async enqueue(index: string, ids: Iterable<number>): Promise<void> {
    const args: (string | number)[] = [];
    const at = this.now();
    for (const id of new Set(ids)) args.push(at, id);
    if (args.length === 0) return;
    try {
      await this.redis.zadd(this.prefix + index, ...args);
    } catch (cause) {
      throw new SinkError('search-queue', `enqueue to ${index} failed`, { cause });
    }
  }

  /** Queues ids for several indexes in one round trip. */
  async enqueueMany(byIndex: ReadonlyMap<string, Iterable<number>>): Promise<void> {
    const pipeline = this.redis.pipeline();
    const at = this.now();
    for (const [index, ids] of byIndex) {
      const args: (string | number)[] = [];
      for (const id of new Set(ids)) args.push(at, id);
      if (args.length) pipeline.call('ZADD', this.prefix + index, ...args);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw new SinkError('search-queue', 'enqueue failed', { cause: failed[0] });
  }

  /** The oldest `max` ids of an index, without removing them. */
  async take(index: string, max: number): Promise<TakenIds> {
    const raw = await this.redis.zrange(this.prefix + index, '0', String(max - 1), 'WITHSCORES');
    const ids: number[] = [];
    let takenUpTo = 0;
    for (let i = 0; i < raw.length; i += 2) {
      ids.push(Number(raw[i]));
      takenUpTo = Math.max(takenUpTo, Number(raw[i + 1]));
    }
    return { index, ids, takenUpTo };
  }

  /** Removes the taken ids that were not queued again since they were taken. */
  async ack(taken: TakenIds): Promise<number> {
    if (taken.ids.length === 0) return 0;
    return (await this.redis.eval(
      ACK_LUA,
      1,
      this.prefix + taken.index,
      taken.takenUpTo,
      ...taken.ids,
    )) as number;
  }

  /** How many ids wait for an index. */
  async size(index: string): Promise<number> {
    return this.redis.zcard(this.prefix + index);
  }
}
