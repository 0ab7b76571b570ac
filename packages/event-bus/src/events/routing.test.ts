import { describe, expect, it } from 'vitest';
import { createTopicRouter } from './routing.js';

describe('createTopicRouter', () => {
  const route = createTopicRouter({
    debezium: { topicPrefix: 'app' },
    clickhouse: { 'engagement.metric-events': { table: 'metric_events', timestampColumn: 'createdAt' } },
    overrides: {
      'app.public.Legacy': { kind: 'ignore' },
      'reactions.all': { kind: 'debezium', schema: 'public', table: 'ImageReaction' },
    },
  });

  it('maps <prefix>.<schema>.<table> to the table, keeping the schema', () => {
    expect(route('app.public.ImageReaction')).toEqual({
      kind: 'debezium',
      schema: 'public',
      table: 'ImageReaction',
    });
    expect(route('app.audit.log.2024')).toEqual({ kind: 'debezium', schema: 'audit', table: 'log.2024' });
  });

  it('recognises the default heartbeat and transaction topics', () => {
    expect(route('__debezium-heartbeat.app')).toEqual({ kind: 'heartbeat' });
    expect(route('app.transaction')).toEqual({ kind: 'transaction' });
    expect(route('app.message')).toEqual({ kind: 'ignore' });
  });

  it('honours renamed heartbeat and transaction topics', () => {
    const custom = createTopicRouter({
      debezium: { topicPrefix: 'pg', heartbeatTopicPrefix: 'hb', transactionTopicSuffix: 'tx' },
    });
    expect(custom('hb.pg')).toEqual({ kind: 'heartbeat' });
    expect(custom('pg.tx')).toEqual({ kind: 'transaction' });
    expect(custom('pg.transaction')).toEqual({ kind: 'ignore' });
  });

  it('routes ClickHouse topics and lets overrides win', () => {
    expect(route('engagement.metric-events')).toEqual({
      kind: 'clickhouse',
      table: 'metric_events',
      timestampColumn: 'createdAt',
    });
    expect(route('app.public.Legacy')).toEqual({ kind: 'ignore' });
    expect(route('reactions.all')).toEqual({ kind: 'debezium', schema: 'public', table: 'ImageReaction' });
  });

  it('rejects unknown topics unless told to skip them', () => {
    expect(() => route('apple.public.X')).toThrow(
      'EB_DECODE_UNKNOWN_TOPIC: no route for topic "apple.public.X"',
    );
    expect(createTopicRouter({ unknownTopic: 'skip' })('anything')).toBeUndefined();
  });
});
