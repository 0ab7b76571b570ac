import type { ClickHouseClient } from '@clickhouse/client';
import {
  METRIC_TIMEFRAMES,
  type MetricTimeframe,
  type MetricTotals,
  RollStateCache,
  readMetricTotals,
} from '@engagement/event-bus/sinks/clickhouse';
import type { TakenIds } from '@engagement/event-bus/sinks/search';
import type { Logger } from '@engagement/plugin-api';
import type { SearchIndexConfig } from '../config.js';
import { SearchSyncError } from '../errors.js';
import type { FeedDefinition, FeedDocument, Queryable } from '../feed/feed-definition.js';
import type { IndexWriter } from '../meili/index-writer.js';
import { MetricDocuments } from '../metrics/metric-documents.js';
import type { MetricFieldName } from '../metrics/metric-fields.js';
import type { SearchUpdateQueues } from '../queue/update-queues.js';

/**
 * Chunk queries in flight at once. Two: when one answer arrives the next query is already with the engine
 * (the embedded one runs them one at a time), so it reads while this process parses that answer.
 */
const QUERIES_AHEAD = 2;

/** The ids a round took, by queue. */
interface QueuedIds {
  metric: ReadonlySet<number>;
  feed: ReadonlySet<number>;
}

/** What one flush round did for one entity type. */
export interface GroupResult {
  entityType: string;
  metricIds: number;
  feedIds: number;
}

export interface FlusherDeps {
  queues: SearchUpdateQueues;
  writer: IndexWriter;
  clickhouse: ClickHouseClient;
  postgres?: Queryable;
  logger: Logger;
  batchSize: number;
  /** Ids per ClickHouse query and per Meilisearch request within a round. */
  chunkSize: number;
  metricTable: string;
  fieldName?: MetricFieldName;
  ratios?: Readonly<Record<string, readonly [string, string]>>;
  now: () => Date;
}

/**
 * One round of one entity type: take up to `batchSize` ids from its metric and feed queues, read their
 * metrics in ONE ClickHouse query per chunk of `chunkSize` ids (and the feed rows in one Postgres query per
 * feed), send each index ONE metrics-only partial update per chunk (plus, for feed indexes, one upsert and
 * one delete of feed documents), and acknowledge each chunk's ids once its tasks succeeded. A failure leaves
 * the ids of every chunk not written queued. Chunks overlap: the next chunks' queries run while this one's
 * documents are built, applied and acknowledged (docs/search-sync.md).
 */
export class Flusher {
  /** ClickHouse queries made, for stats and tests. */
  clickhouseQueries = 0;
  /** Postgres feed queries made. */
  feedQueries = 0;
  /** Each index's document builder, its field names worked out once. */
  private readonly documents = new Map<SearchIndexConfig, MetricDocuments>();

  /** One read of the roll state serves every chunk of a round (they run within a second or so). */
  private readonly rollStates: RollStateCache;

  constructor(private readonly deps: FlusherDeps) {
    this.rollStates = new RollStateCache(deps.clickhouse, { table: deps.metricTable });
  }

  async flushGroup(entityType: string, indexes: readonly SearchIndexConfig[]): Promise<GroupResult> {
    const { queues, batchSize } = this.deps;
    const feeds = [...new Set(indexes.flatMap((i) => (i.feed ? [i.feed] : [])))];
    const [metricTaken, feedTaken] = await Promise.all([
      queues.metrics.take(entityType, batchSize),
      feeds.length ? queues.feed.take(entityType, batchSize) : { index: entityType, ids: [], takenUpTo: 0 },
    ]);
    if (metricTaken.ids.length === 0 && feedTaken.ids.length === 0) {
      return { entityType, metricIds: 0, feedIds: 0 };
    }
    // In id order, so that each chunk's query covers one range of the table's sorting key.
    const ids = [...new Set([...metricTaken.ids, ...feedTaken.ids])].sort((a, b) => a - b);
    const queued: QueuedIds = { metric: new Set(metricTaken.ids), feed: new Set(feedTaken.ids) };
    const feedDocs = this.loadFeeds(feeds, feedTaken.ids);
    feedDocs.catch(() => {}); // awaited below, where a failure is thrown
    const chunksDone: Promise<void>[] = [];
    let readFailure: { error: unknown } | undefined;
    try {
      for await (const { chunk, totals } of this.totalsInChunks(entityType, ids, indexes)) {
        const docs = await feedDocs;
        const writes = indexes.map((index) => this.writeIndex(index, chunk, queued, totals, docs));
        const done = this.ackWhenWritten(writes, chunk, queued, metricTaken, feedTaken);
        done.catch(() => {}); // settled below, possibly after later chunks' queries
        chunksDone.push(done);
      }
    } catch (error) {
      readFailure = { error };
    }
    // Every request sent is waited for, whether the round succeeds or fails.
    const outcomes = await Promise.allSettled(chunksDone);
    if (readFailure) throw readFailure.error;
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return { entityType, metricIds: metricTaken.ids.length, feedIds: feedTaken.ids.length };
  }

  /**
   * Acknowledges a chunk's ids once every index accepted its requests: while the next chunks are read and sent,
   * so that the round does not end with one acknowledgement of all its ids. A chunk whose requests failed
   * leaves its ids queued, as does a round stopped before a chunk was sent.
   */
  private async ackWhenWritten(
    writes: readonly Promise<void>[],
    chunk: readonly number[],
    queued: QueuedIds,
    metricTaken: TakenIds,
    feedTaken: TakenIds,
  ): Promise<void> {
    await settledOrThrow(writes);
    const { queues } = this.deps;
    const taken = (from: TakenIds, ids: ReadonlySet<number>) => ({
      ...from,
      ids: chunk.filter((id) => ids.has(id)),
    });
    await Promise.all([
      queues.metrics.ack(taken(metricTaken, queued.metric)),
      queues.feed.ack(taken(feedTaken, queued.feed)),
    ]);
  }

  /**
   * The totals of `ids` in chunks of `chunkSize`, pipelined: two chunks' queries are in flight while this
   * chunk is handed on, so ClickHouse reads the next while this process parses one answer and builds and
   * sends the documents of another, and the engine never waits for this process to send its next query.
   */
  private async *totalsInChunks(
    entityType: string,
    ids: readonly number[],
    indexes: readonly SearchIndexConfig[],
  ): AsyncGenerator<{ chunk: readonly number[]; totals: ReadonlyMap<number, MetricTotals> }> {
    const size = Math.max(1, this.deps.chunkSize);
    const inFlight: Promise<Map<number, MetricTotals>>[] = [];
    let sent = 0;
    const sendAhead = () => {
      for (; inFlight.length < QUERIES_AHEAD && sent < ids.length; sent += size) {
        const totals = this.readTotals(entityType, ids.slice(sent, sent + size), indexes);
        totals.catch(() => {}); // awaited in turn below; a round that stops early must not leave it unhandled
        inFlight.push(totals);
      }
    };
    sendAhead();
    for (let from = 0; from < ids.length; from += size) {
      const totals = await inFlight.shift()!;
      sendAhead();
      yield { chunk: ids.slice(from, from + size), totals };
    }
  }

  /** One chunk's requests to one index: a metrics-only update, and for a feed index its upserts and deletes. */
  private async writeIndex(
    index: SearchIndexConfig,
    chunk: readonly number[],
    queued: QueuedIds,
    totals: ReadonlyMap<number, MetricTotals>,
    feedDocs: ReadonlyMap<FeedDefinition, Map<number, FeedDocument>>,
  ): Promise<void> {
    const { writer } = this.deps;
    const primaryKey = index.primaryKey ?? 'id';
    const documents = this.documentsOf(index);
    const work: Promise<void>[] = [];
    // Ids refreshed as feed documents below get their metrics there.
    const metricIds = chunk.filter((id) => queued.metric.has(id) && !(index.feed && queued.feed.has(id)));
    const metricDocs = documents.json(metricIds, (id) => totals.get(id));
    if (metricDocs.count) work.push(writer.updateMetricsJson(index.uid, metricDocs.json, primaryKey));
    if (index.feed && queued.feed.size) {
      const docs = feedDocs.get(index.feed)!;
      const feedIds = chunk.filter((id) => queued.feed.has(id));
      const upserts = feedIds.flatMap((id) => {
        const doc = docs.get(id);
        return doc ? [{ ...doc, [primaryKey]: doc.id, ...documents.fields(totals.get(id)) }] : [];
      });
      const gone = feedIds.filter((id) => !docs.has(id));
      if (upserts.length) work.push(writer.upsert(index.uid, upserts, primaryKey));
      if (gone.length) work.push(writer.delete(index.uid, gone));
    }
    await settledOrThrow(work);
  }

  private documentsOf(index: SearchIndexConfig): MetricDocuments {
    let documents = this.documents.get(index);
    if (!documents) {
      documents = new MetricDocuments({
        metricTypes: index.metricTypes,
        timeframes: index.timeframes ?? METRIC_TIMEFRAMES,
        fieldName: this.deps.fieldName,
        ratios: this.deps.ratios,
        primaryKey: index.primaryKey ?? 'id',
      });
      this.documents.set(index, documents);
    }
    return documents;
  }

  /** One set-based query for the ids of one chunk, for every index of the entity type. */
  private async readTotals(
    entityType: string,
    ids: readonly number[],
    indexes: readonly SearchIndexConfig[],
  ): Promise<Map<number, MetricTotals>> {
    const allTypes = indexes.every((i) => i.metricTypes);
    const metricTypes = allTypes ? [...new Set(indexes.flatMap((i) => i.metricTypes ?? []))] : undefined;
    const timeframes = [
      ...new Set(indexes.flatMap((i) => i.timeframes ?? METRIC_TIMEFRAMES)),
    ] as MetricTimeframe[];
    this.clickhouseQueries++;
    try {
      const rows = await readMetricTotals(this.deps.clickhouse, {
        entityType,
        entityIds: ids,
        metricTypes,
        timeframes,
        now: this.deps.now(),
        table: this.deps.metricTable,
        rollState: this.rollStates.read(),
      });
      this.rollStates.refresh(); // a due read runs now, not before the next chunk's query
      return new Map(rows.map((r) => [r.entityId, r]));
    } catch (cause) {
      throw new SearchSyncError('SS_METRICS_READ_FAILED', `metrics of ${ids.length} ${entityType} ids`, {
        cause,
      });
    }
  }

  private async loadFeeds(
    feeds: readonly FeedDefinition[],
    ids: readonly number[],
  ): Promise<Map<FeedDefinition, Map<number, FeedDocument>>> {
    const out = new Map<FeedDefinition, Map<number, FeedDocument>>();
    if (ids.length === 0) return out;
    const db = this.deps.postgres;
    if (!db)
      throw new SearchSyncError('SS_CONFIG_INVALID', 'feed indexes need `postgres`', { retriable: false });
    for (const feed of feeds) {
      this.feedQueries++;
      try {
        out.set(feed, await feed.load(db, ids));
      } catch (cause) {
        throw new SearchSyncError('SS_FEED_READ_FAILED', `${feed.entityType} feed rows`, { cause });
      }
    }
    return out;
  }
}

/** Waits until every promise has settled, then throws the first rejection, if any. */
async function settledOrThrow(work: readonly Promise<unknown>[]): Promise<void> {
  const outcomes = await Promise.allSettled(work);
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}
