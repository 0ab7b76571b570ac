import type { ClickHouseClient } from '@clickhouse/client';
import { decodeMetricMessages } from '@engagement/event-bus';
import { kafkaMetricTopic } from '@engagement/event-bus/kafka';
import { publishMetricEvents } from '@engagement/event-bus/runtime';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { Producer } from 'kafkajs';

/** What a repair wrote in one go: one origin's positions `from`..`to`, over these id ranges per entity type. */
interface Note {
  origin: string;
  from: number;
  to: number;
  count: number;
  entities: Record<string, [min: number, max: number]>;
}

/**
 * Corrections a repair stored in ClickHouse but whose publish to the metric topic was not confirmed.
 *
 * A repair notes each write here before its insert and clears the note once the topic acknowledged it. A
 * repair that stops in between (killed, or the broker down) leaves the note behind, and nothing else would
 * finish its work: its corrections count in ClickHouse, so no later comparison finds them missing, and a
 * cached hash never counts positions of an origin the apply stage has not reached (they are in flight, for
 * `checkDrift` too), so the cache would stay short of them. The next holder of the repair lock reads them back
 * from ClickHouse and publishes them, before writing anything of its own. The apply stage counts each
 * position once, so what the stopped run did publish is not counted twice.
 */
export class UnpublishedCorrections {
  readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    scopeKey: string,
    private readonly table = 'entityMetricEvents',
  ) {
    this.key = `eventbus:reconcile:unpublished:${scopeKey}`;
  }

  /** Notes corrections about to be stored (consecutive positions of one origin); returns the note's name. */
  async note(corrections: readonly EntityMetricEvent[]): Promise<string> {
    const first = corrections[0]!;
    const note: Note = {
      origin: first.origin,
      from: first.originSeq,
      to: first.originSeq,
      count: 0,
      entities: {},
    };
    for (const c of corrections) {
      if (c.origin !== note.origin) throw new TypeError('corrections of one write share one origin');
      note.from = Math.min(note.from, c.originSeq);
      note.to = Math.max(note.to, c.originSeq);
      note.count++;
      const range = note.entities[c.entityType];
      if (range) {
        range[0] = Math.min(range[0], c.entityId);
        range[1] = Math.max(range[1], c.entityId);
      } else note.entities[c.entityType] = [c.entityId, c.entityId];
    }
    const name = `${note.origin}#${note.from}`;
    await this.redis.hset(this.key, name, JSON.stringify(note));
    return name;
  }

  async clear(name: string): Promise<void> {
    await this.redis.hdel(this.key, name);
  }

  /** How many noted corrections wait to be published. */
  async waiting(): Promise<number> {
    const notes = await this.redis.hvals(this.key);
    return notes.reduce((n, text) => n + (JSON.parse(text) as Note).count, 0);
  }

  /**
   * Publishes what ClickHouse holds of every note (all of it, none of it if the insert never happened, or
   * what a partial insert left) and clears the note. Call it holding the repair lock. Returns the events
   * published.
   */
  async publish(clickhouse: ClickHouseClient, producer: Producer, metricTopic: string): Promise<number> {
    let published = 0;
    for (const [name, text] of Object.entries(await this.redis.hgetall(this.key))) {
      const events = await this.stored(clickhouse, JSON.parse(text) as Note);
      if (events.length > 0) await publishMetricEvents(kafkaMetricTopic(producer, metricTopic), events);
      await this.clear(name);
      published += events.length;
    }
    return published;
  }

  /** The noted events ClickHouse holds, once each, in position order. */
  private async stored(clickhouse: ClickHouseClient, note: Note): Promise<EntityMetricEvent[]> {
    const params: Record<string, unknown> = { origin: note.origin, from: note.from, to: note.to };
    const ranges = Object.entries(note.entities).map(([type, [min, max]], i) => {
      Object.assign(params, { [`t${i}`]: type, [`min${i}`]: min, [`max${i}`]: max });
      return `(entityType = {t${i}:String} AND entityId BETWEEN {min${i}:Int64} AND {max${i}:Int64})`;
    });
    const result = await clickhouse.query({
      query: `SELECT eventId, entityType, entityId, userId, metricType, metricValue, createdAt, origin, originSeq, sourceTx
FROM ${this.table}
WHERE (${ranges.join(' OR ')}) AND origin = {origin:String} AND originSeq BETWEEN {from:UInt64} AND {to:UInt64}
ORDER BY originSeq
LIMIT 1 BY originSeq`,
      query_params: params,
      format: 'JSONEachRow',
    });
    const { events, invalid } = decodeMetricMessages(await result.text());
    if (invalid.length > 0) throw invalid[0]!.error;
    return events;
  }
}
