import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { configUnchanged } from '../config-file.js';
import { jvmFlags, writeLog4jConfig } from '../log4j.js';
import { classpath } from '../maven.js';
import { keepIfCurrent, ownedProcess, ownedStatus, startOwned, stopOwned } from '../owned-process.js';
import type { Part, StackContext } from '../part.js';
import { choosePort } from '../ports.js';
import { isPortOpen, runChecked, waitFor } from '../process.js';

const MAIN = 'kafka.Kafka';

function files(ctx: StackContext) {
  const dir = ctx.paths.part('kafka');
  return {
    dir,
    data: join(dir, 'data'),
    config: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j2.properties'),
    clusterId: join(dir, 'cluster.id'),
  };
}

const server = (ctx: StackContext) => ownedProcess(ctx, 'kafka', MAIN);

function serverProperties(f: ReturnType<typeof files>, port: number, controllerPort: number): string {
  return `${[
    // Combined broker+controller with a static one-voter quorum: the smallest KRaft cluster.
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${f.data}`,
    'num.partitions=3',
    'auto.create.topics.enable=true',
    // One broker: every internal topic must accept replication factor 1 or it never gets created.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Tests create consumer groups constantly; the default 3 s delay would add up.
    'group.initial.rebalance.delay.ms=0',
  ].join('\n')}\n`;
}

const probe = (port: number) =>
  new Kafka({
    clientId: 'stack-probe',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });

async function brokerAnswers(port: number): Promise<boolean> {
  const admin = probe(port).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * True once the broker serves consumer groups and idempotent producers. A new or restarted broker answers
 * metadata before that: it creates its offsets topic on the first group lookup and loads its coordinators
 * for a while after, answering "the coordinator is loading". Every client retries that, but a consumer that
 * meets it while joining crashes and restarts, which `npm start` showed as an error with a stack trace.
 */
async function coordinatorsAnswer(port: number): Promise<boolean> {
  const kafka = probe(port);
  const admin = kafka.admin();
  // kafkajs refuses an idempotent producer without retries.
  const producer = kafka.producer({ idempotent: true, retry: { retries: 1, initialRetryTime: 100 } });
  try {
    await admin.connect();
    await admin.describeCluster(); // loads the metadata that finding a coordinator needs
    // A group no one uses: finding its coordinator creates the offsets topic on a new broker, and the
    // description fails while that coordinator loads.
    await admin.describeGroups(['stack-probe']);
    await producer.connect(); // an idempotent producer asks for its producer id here
    return true;
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

/**
 * A KRaft cluster id: 16 random bytes in base64url, as Kafka makes them, and like Kafka's never beginning
 * with '-' (one in 64 did: `kafka-storage format -t -…` then failed with "expected one argument", and the
 * stack with it).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export const kafkaPart: Part = {
  name: 'kafka',
  logFile: (ctx) => server(ctx).log,

  status: (ctx) => ownedStatus(server(ctx), ctx.ports.kafka),

  async up(ctx) {
    const f = files(ctx);
    const { kafka: oldPort, kafkaController: oldControllerPort } = ctx.ports;
    const sameConfig =
      oldPort !== undefined &&
      oldControllerPort !== undefined &&
      configUnchanged(f.config, serverProperties(f, oldPort, oldControllerPort));
    const kept = await keepIfCurrent(server(ctx), sameConfig, () => brokerAnswers(oldPort as number));
    if (kept) {
      await waitFor('kafka coordinators', () => coordinatorsAnswer(oldPort as number), {
        timeoutMs: 60_000,
        pid: kept,
      });
      return { outcome: 'running', detail: `pid ${kept}, port ${oldPort}` };
    }

    const cp = await classpath('kafka');
    const port = await choosePort('kafka', ctx.ports);
    const controllerPort = await choosePort('kafkaController', ctx.ports);
    mkdirSync(f.data, { recursive: true });
    writeFileSync(f.config, serverProperties(f, port, controllerPort));
    writeLog4jConfig(f.log4j, {
      'kafka.request.logger': 'WARN',
      'org.apache.kafka.common.utils.AppInfoParser': 'WARN',
    });

    if (!existsSync(join(f.data, 'meta.properties'))) {
      // Same as `kafka-storage.sh format`: KRaft refuses to start on an unformatted log dir.
      const clusterId = existsSync(f.clusterId) ? readFileSync(f.clusterId, 'utf8').trim() : newClusterId();
      writeFileSync(f.clusterId, `${clusterId}\n`);
      await runChecked('java', [
        `-Dlog4j2.configurationFile=${f.log4j}`,
        '-cp',
        cp,
        'kafka.tools.StorageTool',
        'format',
        // One argument: an id that begins with '-' must not be read as an option.
        `--cluster-id=${clusterId}`,
        '-c',
        f.config,
        '--ignore-formatted',
      ]);
    }

    const pid = await startOwned(
      server(ctx),
      'java',
      [...jvmFlags(f.log4j, '512m'), '-cp', cp, MAIN, f.config],
      { cwd: f.dir },
      { what: 'kafka port', check: () => isPortOpen(port), timeoutMs: 60_000 },
      { what: 'kafka metadata', check: () => brokerAnswers(port), timeoutMs: 60_000, intervalMs: 500 },
      { what: 'kafka coordinators', check: () => coordinatorsAnswer(port), timeoutMs: 60_000 },
    );
    return { outcome: 'started', detail: `pid ${pid}, port ${port}` };
  },

  // Controlled shutdown of a lone combined node is quick; the grace covers a slow log flush.
  down: (ctx) => stopOwned(server(ctx), 30_000),

  env: (ctx): Record<string, string> =>
    ctx.ports.kafka ? { KAFKA_BROKERS: `127.0.0.1:${ctx.ports.kafka}` } : {},
};
