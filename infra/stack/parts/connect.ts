import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { cdc } from '../cdc.js';
import { configUnchanged } from '../config-file.js';
import { jvmFlags, writeLog4jConfig } from '../log4j.js';
import { classpath } from '../maven.js';
import { keepIfCurrent, ownedProcess, ownedStatus, startOwned, stopOwned } from '../owned-process.js';
import type { Part, StackContext } from '../part.js';
import { choosePort } from '../ports.js';
import { FatalError, isPortOpen } from '../process.js';
import { postgresUrl } from './postgres.js';

const MAIN = 'org.apache.kafka.connect.cli.ConnectStandalone';

function files(ctx: StackContext) {
  const dir = ctx.paths.part('connect');
  return {
    dir,
    worker: join(dir, 'worker.properties'),
    connector: join(dir, `${cdc.connectorName}.properties`),
    offsets: join(dir, 'offsets.dat'),
    log4j: join(dir, 'log4j2.properties'),
  };
}

const server = (ctx: StackContext) => ownedProcess(ctx, 'connect', MAIN);

const props = (entries: Record<string, string | number | boolean>) =>
  `${Object.entries(entries)
    .map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\')}`)
    .join('\n')}\n`;

function workerConfig(f: ReturnType<typeof files>, kafkaPort: number, restPort: number) {
  return props({
    'bootstrap.servers': `127.0.0.1:${kafkaPort}`,
    // Plain JSON without the schema envelope; the decoder knows the column types itself.
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': false,
    'value.converter.schemas.enable': false,
    // Standalone keeps source offsets (the last LSN) in a file: it lives and dies with the stack dir.
    'offset.storage.file.filename': f.offsets,
    // A short flush interval shrinks the replay window after kill -9 (delivery is at-least-once).
    'offset.flush.interval.ms': 1000,
    listeners: `http://127.0.0.1:${restPort}`,
    'rest.advertised.host.name': '127.0.0.1',
    'topic.creation.enable': true,
    // Every plugin jar ships ServiceLoader manifests; skipping the reflective classpath scan
    // saves seconds of startup.
    'plugin.discovery': 'service_load',
  });
}

function connectorConfig(pgPort: number) {
  return props({
    name: cdc.connectorName,
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': 1,
    'database.hostname': '127.0.0.1',
    'database.port': pgPort,
    'database.user': 'postgres',
    'database.dbname': cdc.database,
    'topic.prefix': cdc.topicPrefix,
    'plugin.name': 'pgoutput',
    'slot.name': cdc.slotName,
    'publication.name': cdc.publicationName,
    // The Postgres part owns the publication (FOR TABLES IN SCHEMA public).
    'publication.autocreate.mode': 'disabled',
    'schema.include.list': 'public',
    'table.exclude.list': cdc.excludedTables.map((t) => t.replace('.', '\\.')).join(','),
    // History is loaded by the separate backfill step; snapshot rows would arrive as op 'r'
    // and be counted a second time. Only changes after the slot exists are streamed.
    'snapshot.mode': 'no_data',
    'decimal.handling.mode': 'string',
    // Heartbeats go to __debezium-heartbeat.<prefix>. Alone they do not move the slot's confirmed LSN
    // on an idle database (pgoutput sends nothing to confirm): the action query writes one row per
    // heartbeat, a change Debezium reads (and filters out), so confirmed_flush_lsn passes every earlier
    // WAL position within a heartbeat. WAL does not pile up, and reconcile's catch-up wait terminates.
    'heartbeat.interval.ms': 5000,
    'heartbeat.action.query': `INSERT INTO public."${cdc.heartbeatTable}" (id, at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at`,
    // BEGIN/END events on <prefix>.transaction, and each event carries its transaction id.
    'provide.transaction.metadata': true,
    'tombstones.on.delete': true,
    // The task hands batches to Connect every poll interval; the default 500 ms is most of the
    // commit-to-Kafka latency on an idle stack.
    'poll.interval.ms': 100,
    'topic.creation.default.partitions': 3,
    'topic.creation.default.replication.factor': 1,
  });
}

interface ConnectorStatus {
  connector?: { state: string; trace?: string };
  tasks?: { id: number; state: string; trace?: string }[];
}

async function connectorStatus(restPort: number): Promise<ConnectorStatus | undefined> {
  const res = await fetch(`http://127.0.0.1:${restPort}/connectors/${cdc.connectorName}/status`, {
    signal: AbortSignal.timeout(2000),
  });
  return res.ok ? ((await res.json()) as ConnectorStatus) : undefined;
}

async function slotActive(pgPort: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl(pgPort) });
  await client.connect();
  try {
    const { rows } = await client.query<{ active: boolean }>(
      'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
      [cdc.slotName],
    );
    return rows[0]?.active === true;
  } finally {
    await client.end();
  }
}

/** Ready = connector and its task RUNNING and the slot held by it; a FAILED task fails fast with its trace. */
async function ready(restPort: number, pgPort: number): Promise<boolean> {
  const s = await connectorStatus(restPort);
  const failed = [s?.connector, ...(s?.tasks ?? [])].find((x) => x?.state === 'FAILED');
  if (failed)
    throw new FatalError(
      `connector ${cdc.connectorName} FAILED:\n${failed.trace?.split('\n').slice(0, 15).join('\n')}`,
    );
  const running =
    s?.connector?.state === 'RUNNING' && s.tasks?.length === 1 && s.tasks[0]?.state === 'RUNNING';
  return running && (await slotActive(pgPort));
}

export const connectPart: Part = {
  name: 'connect',
  logFile: (ctx) => server(ctx).log,

  async status(ctx) {
    const status = await ownedStatus(server(ctx), ctx.ports.connect);
    if (status.state !== 'up') return status;
    const s = await connectorStatus(status.port!).catch(() => undefined);
    const detail = s
      ? `connector ${s.connector?.state}, task ${s.tasks?.[0]?.state ?? 'none'}`
      : 'REST not answering';
    return { ...status, detail };
  },

  async up(ctx) {
    const f = files(ctx);
    const kafkaPort = ctx.ports.kafka;
    const pgPort = ctx.ports.postgres;
    if (!kafkaPort || !pgPort) throw new Error('connect needs kafka and postgres up first');

    const oldRest = ctx.ports.connect;
    const sameConfig =
      oldRest !== undefined &&
      configUnchanged(f.worker, workerConfig(f, kafkaPort, oldRest)) &&
      configUnchanged(f.connector, connectorConfig(pgPort));
    // A worker that is alive but not streaming (Postgres or Kafka restarted under it, task
    // FAILED) or runs an outdated config is restarted whole: the offsets file makes it resume
    // from the last flushed LSN.
    const kept = await keepIfCurrent(server(ctx), sameConfig, () => ready(oldRest as number, pgPort));
    if (kept) return { outcome: 'running', detail: `pid ${kept}, REST port ${oldRest}` };

    const cp = await classpath('connect');
    const restPort = await choosePort('connect', ctx.ports);
    mkdirSync(f.dir, { recursive: true });
    writeFileSync(f.worker, workerConfig(f, kafkaPort, restPort));
    writeFileSync(f.connector, connectorConfig(pgPort));
    writeLog4jConfig(f.log4j, {
      'org.reflections': 'ERROR',
      'org.apache.kafka.clients': 'WARN',
      'org.eclipse.jetty': 'WARN',
    });

    const pid = await startOwned(
      server(ctx),
      'java',
      [...jvmFlags(f.log4j, '512m'), '-cp', cp, MAIN, f.worker, f.connector],
      { cwd: f.dir },
      { what: 'connect REST', check: () => isPortOpen(restPort), timeoutMs: 90_000 },
      {
        what: 'debezium connector RUNNING and replication slot active',
        check: () => ready(restPort, pgPort),
        timeoutMs: 120_000,
        intervalMs: 500,
      },
    );
    return { outcome: 'started', detail: `pid ${pid}, REST port ${restPort}` };
  },

  down: (ctx) => stopOwned(server(ctx), 30_000),

  env: (ctx): Record<string, string> =>
    ctx.ports.connect
      ? {
          KAFKA_CONNECT_URL: `http://127.0.0.1:${ctx.ports.connect}`,
          DEBEZIUM_TOPIC_PREFIX: cdc.topicPrefix,
          DEBEZIUM_CONNECTOR: cdc.connectorName,
        }
      : {},
};
