-- Production only (the local stack's embedded engine has no Kafka engine; there
-- ClickHouseRowPublisher in @engagement/app-db/clickhouse inserts and publishes the same rows).
-- Every row inserted into a metric source table is published, one JSONEachRow message per row, to the
-- topic the host's decoder routes to that table (clickhouseSourceRoutes() in @engagement/app-db):
--   modelVersionEvents          → clickhouse.modelVersionEvents          (downloadCount)
--   orchestration.jobs          → clickhouse.orchestration.jobs          (generationCount)
--   buzz_resource_compensation  → clickhouse.buzz_resource_compensation  (earnedAmount)
-- The source tables themselves belong to the app (local definitions: packages/app-db/src/clickhouse/
-- source-tables.ts). Each carries a row id column (eventId / jobId / id), the identity the decoder
-- uses, so a message delivered twice is counted once. Ids are Int32, so no 64-bit quoting question.

CREATE TABLE IF NOT EXISTS modelVersionEventsKafka
(
    eventId        String,
    type           String,
    time           DateTime64(3, 'UTC'),
    userId         Int32,
    modelId        Int32,
    modelVersionId Int32,
    nsfw           Bool,
    earlyAccess    Bool
)
ENGINE = Kafka
SETTINGS kafka_broker_list = '{kafka_brokers}',
         kafka_topic_list = 'clickhouse.modelVersionEvents',
         kafka_group_name = 'clickhouse-source-export',
         kafka_format = 'JSONEachRow';

CREATE MATERIALIZED VIEW IF NOT EXISTS modelVersionEventsToKafka TO modelVersionEventsKafka AS
SELECT eventId, type, time, userId, modelId, modelVersionId, nsfw, earlyAccess
FROM modelVersionEvents;

CREATE TABLE IF NOT EXISTS orchestration.jobsKafka
(
    jobId         String,
    type          String,
    userId        Int32,
    createdAt     DateTime64(3, 'UTC'),
    cost          Int32,
    resourcesUsed Array(Int32),
    status        String
)
ENGINE = Kafka
SETTINGS kafka_broker_list = '{kafka_brokers}',
         kafka_topic_list = 'clickhouse.orchestration.jobs',
         kafka_group_name = 'clickhouse-source-export',
         kafka_format = 'JSONEachRow';

CREATE MATERIALIZED VIEW IF NOT EXISTS orchestration.jobsToKafka TO orchestration.jobsKafka AS
SELECT jobId, type, userId, createdAt, cost, resourcesUsed, status
FROM orchestration.jobs;

CREATE TABLE IF NOT EXISTS buzzResourceCompensationKafka
(
    id             String,
    createdAt      DateTime64(3, 'UTC'),
    date           Date,
    modelVersionId Int32,
    accountId      Int32,
    comp           Int32,
    tip            Int32,
    total          Int32
)
ENGINE = Kafka
SETTINGS kafka_broker_list = '{kafka_brokers}',
         kafka_topic_list = 'clickhouse.buzz_resource_compensation',
         kafka_group_name = 'clickhouse-source-export',
         kafka_format = 'JSONEachRow';

CREATE MATERIALIZED VIEW IF NOT EXISTS buzzResourceCompensationToKafka TO buzzResourceCompensationKafka AS
SELECT id, createdAt, date, modelVersionId, accountId, comp, tip, total
FROM buzz_resource_compensation;
