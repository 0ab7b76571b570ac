import { SinkError } from '../../errors.js';
import type { RedisClient } from '../redis/redis-client.js';
import { isRetriableRedisError } from '../redis/redis-errors.js';

/** A batch taken from the queue; `ack` it after the index accepted the update. */
export interface TakenIds {
  /** The queue name the ids were taken from. */
  index: string;
  ids: number[];
  /** Queue sequence of the newest id taken; ids queued again after the take stay queued on `ack`. */
  takenUpTo: number;
}

/**
 * Queues ids under one sequence number drawn from a shared counter, so an id queued again after a
 * `take` always scores above what was taken, even within the same millisecond or from another host.
 * KEYS: the counter, then one sorted set per queue. ARGV: per queue, its id count followed by its ids.
 */
const ENQUEUE_LUA = `
local seq = redis.call('INCR', KEYS[1])
local at = 1
for k = 2, #KEYS do
  local n = tonumber(ARGV[at])
  for i = at + 1, at + n do
    redis.call('ZADD', KEYS[k], seq, ARGV[i])
  end
  at = at + n + 1
end
return seq
`;

/**
 * Removes the given ids whose score is at most ARGV[1], the `takenUpTo` of their take: an id queued again
 * since scores higher and stays. Scores are read and members removed 1,000 at a time (ZMSCORE, ZREM), not
 * one call per id: Redis spent 3 µs per id in a call each, with every other client waiting.
 */
const ACK_LUA = `
local upTo = tonumber(ARGV[1])
local removed = 0
for from = 2, #ARGV, 1000 do
  local to = math.min(from + 999, #ARGV)
  local scores = redis.call('ZMSCORE', KEYS[1], unpack(ARGV, from, to))
  local gone = {}
  for i = from, to do
    local score = scores[i - from + 1]
    if score and tonumber(score) <= upTo then gone[#gone + 1] = ARGV[i] end
  end
  if #gone > 0 then removed = removed + redis.call('ZREM', KEYS[1], unpack(gone)) end
end
return removed
`;

/** The scripts registered with `defineCommand`; typed here rather than by augmenting ioredis globally. */
interface WithQueueCommands {
  // ioredis flattens array arguments: ids go in as arrays, never spread into the call (200k spread
  // arguments overflow the stack).
  searchQueueEnqueue?(numKeys: number, keysThenArgs: string[]): Promise<number>;
  searchQueueAck?(numKeys: number, key: string, takenUpTo: number, ids: number[]): Promise<number>;
}

/** Ids per script call: keeps each call's argument list and its time inside Redis small. */
const MAX_IDS_PER_CALL = 10_000;

/** One enqueue script call: its keys (the counter first) and arguments. */
interface EnqueueCall {
  keys: string[];
  args: string[];
}

/**
 * Pending search-index updates: one Redis sorted set per queue name (search-sync names its queues after
 * entity types), member = entity id, score = a queue-wide sequence number taken when it was last queued.
 * Redis keeps it across host restarts; queueing an id twice keeps one entry (coalescing). An id queued again
 * while a flush is in flight gets a higher score and survives that flush's `ack`.
 *
 * The enqueue script and MULTI touch the counter and several queues at once, so on Redis Cluster all keys of
 * one prefix must share a hash slot: the prefix carries a hash tag (default `search:{queue}:`).
 */
export class SearchQueue {
  private readonly commands: Required<WithQueueCommands>;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = 'search:{queue}:',
  ) {
    const r = redis as RedisClient & WithQueueCommands;
    if (!r.searchQueueEnqueue) redis.defineCommand('searchQueueEnqueue', { lua: ENQUEUE_LUA });
    if (!r.searchQueueAck) redis.defineCommand('searchQueueAck', { lua: ACK_LUA });
    this.commands = r as Required<WithQueueCommands>;
  }

  /** The Redis key of a queue. */
  keyOf(name: string): string {
    return this.prefix + name;
  }

  /** Queues ids under one name. */
  async enqueue(name: string, ids: Iterable<number>): Promise<void> {
    await this.enqueueMany(new Map([[name, ids]]));
  }

  /**
   * Queues ids under several names in one round trip, atomically. More than 10k ids are split into script
   * calls of at most 10k, sent as one MULTI: each call draws its own (higher) sequence number, which is what
   * consecutive enqueues would do, and no `take` sees a part of the batch.
   */
  async enqueueMany(byName: ReadonlyMap<string, Iterable<number>>): Promise<void> {
    const calls = this.enqueueCalls(byName);
    if (calls.length === 0) return;
    try {
      if (calls.length === 1) {
        const [call] = calls as [EnqueueCall];
        await this.commands.searchQueueEnqueue(call.keys.length, [...call.keys, ...call.args]);
        return;
      }
      // EVAL rather than the defined command's EVALSHA: inside MULTI a NOSCRIPT reply cannot be retried.
      const multi = this.redis.multi();
      for (const call of calls) multi.eval(ENQUEUE_LUA, call.keys.length, [...call.keys, ...call.args]);
      const replies = await multi.exec();
      if (!replies) throw new Error('MULTI aborted');
      for (const [err] of replies) if (err) throw err;
    } catch (cause) {
      throw new SinkError('search-queue', `enqueue to ${[...byName.keys()].join(', ')} failed`, {
        cause,
        retriable: isRetriableRedisError(cause),
      });
    }
  }

  /** Splits a batch into script calls of at most MAX_IDS_PER_CALL ids, each id once per name. */
  private enqueueCalls(byName: ReadonlyMap<string, Iterable<number>>): EnqueueCall[] {
    const seqKey = `${this.prefix}~seq`;
    const calls: EnqueueCall[] = [];
    let call: EnqueueCall = { keys: [seqKey], args: [] };
    let room = MAX_IDS_PER_CALL;
    for (const [name, ids] of byName) {
      const unique = Array.from(new Set(ids));
      for (let from = 0; from < unique.length; ) {
        if (room === 0) {
          calls.push(call);
          call = { keys: [seqKey], args: [] };
          room = MAX_IDS_PER_CALL;
        }
        const to = Math.min(unique.length, from + room);
        call.keys.push(this.prefix + name);
        call.args.push(String(to - from));
        for (let i = from; i < to; i++) call.args.push(String(unique[i]));
        room -= to - from;
        from = to;
      }
    }
    if (call.keys.length > 1) calls.push(call);
    return calls;
  }

  /**
   * The `max` longest-waiting ids of a queue, without removing them. The ids come without their scores (a
   * 10k-id reply with scores took the client twice as long to read); `takenUpTo`, the highest score taken, is
   * the score of the last id taken: of the `max`-th member, or of the last one when fewer wait. One MULTI, so
   * nothing is queued between the reads.
   */
  async take(name: string, max: number): Promise<TakenIds> {
    const key = this.prefix + name;
    const replies = await this.redis
      .multi()
      .zrange(key, '0', String(max - 1))
      .zrange(key, String(max - 1), String(max - 1), 'WITHSCORES')
      .zrange(key, '-1', '-1', 'WITHSCORES')
      .exec();
    if (!replies) throw new SinkError('search-queue', `take from ${name}: MULTI aborted`);
    for (const [err] of replies) if (err) throw err;
    const [raw, nth, last] = replies.map(([, value]) => value as string[]) as [string[], string[], string[]];
    const ids = raw.map(Number);
    const upTo = nth.length ? nth : last;
    return { index: name, ids, takenUpTo: ids.length ? Number(upTo[1]) : 0 };
  }

  /** Removes the taken ids that were not queued again since they were taken. */
  async ack(taken: TakenIds): Promise<number> {
    if (taken.ids.length === 0) return 0;
    return this.commands.searchQueueAck(1, this.prefix + taken.index, taken.takenUpTo, taken.ids);
  }

  /** How many ids wait in a queue. */
  async size(name: string): Promise<number> {
    return this.redis.zcard(this.prefix + name);
  }

  /** How many ids wait in each of several queues, in one round trip. */
  async sizes(names: readonly string[]): Promise<Record<string, number>> {
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.zcard(this.prefix + name);
    const results = (await pipeline.exec()) ?? [];
    const out: Record<string, number> = {};
    names.forEach((name, i) => {
      const [err, n] = results[i] ?? [new Error('no reply'), 0];
      if (err) throw new SinkError('search-queue', `size of ${name} failed`, { cause: err });
      out[name] = Number(n);
    });
    return out;
  }
}
