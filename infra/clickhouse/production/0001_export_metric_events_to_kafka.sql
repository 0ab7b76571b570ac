-- Production only (not applied by the local stack, whose embedded engine has no Kafka engine):
-- ClickHouse publishes every row inserted into entityMetricEvents to the metric topic, so that cache
-- updates and search queueing are driven by the stored events, whoever inserted them.
-- The table itself is defined once, in packages/event-bus/src/sinks/clickhouse/schema.ts.
--
-- Exactness downstream relies on origin/originSeq: consumers apply each (origin, originSeq) once.
-- sourceTx (the Postgres xid of the source change, NULL for ClickHouse rows and corrections) is what
-- `event-host metrics reconcile` uses to compare stored events with a Postgres snapshot.
-- The host's own publisher keys messages by origin so one origin stays in one partition, in order.
-- OPEN POINT: whether the Kafka engine lets a write choose the message key (to keep that ordering) must
-- be checked against the production ClickHouse version before switching the host's
-- EVENT_HOST_PUBLISH_METRIC_EVENTS off; until then let the host publish (the embedded-mode path).

CREATE TABLE IF NOT EXISTS entityMetricEventsKafka
(
    eventId     String,
    entityType  String,
    entityId    Int64,
    userId      Int64,
    metricType  String,
    metricValue Int64,
    createdAt   DateTime64(3, 'UTC'),
    origin      String,
    originSeq   UInt64,
    sourceTx    Nullable(UInt64)
)
ENGINE = Kafka
SETTINGS kafka_broker_list = '{kafka_brokers}',
         kafka_topic_list = 'eventbus.entity-metric-events',
         kafka_group_name = 'clickhouse-metric-export',
         kafka_format = 'JSONEachRow',
         -- Many rows per message, as the host publishes them; consumers split messages on newlines.
         kafka_max_rows_per_message = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS entityMetricEventsToKafka TO entityMetricEventsKafka AS
SELECT eventId, entityType, entityId, userId, metricType, metricValue, createdAt, origin, originSeq, sourceTx
FROM entityMetricEvents;
