/**
 * Captures real Debezium messages from the running local stack as decoder fixtures
 * (packages/event-bus/src/events/__fixtures__/debezium/).
 *
 *   npx tsx infra/stack/capture-fixtures.ts
 *
 * The stack's connector (`app-postgres`) writes JSON without the schema envelope to `app.*`. This
 * script registers a second, temporary connector with the same config but its own topic prefix and
 * slot, and JsonConverter with `schemas.enable=true`, so each change is captured both ways. It then
 * inserts, updates and deletes one "TypeProbe" row and one "ImageReaction" row (plus the "User" and
 * "Image" rows it needs), collects the messages of both connectors, writes them as fixtures, and
 * removes the temporary connector and its slot. The existing connector is never touched.
 *
 * The temporary connector snapshots one "TypeProbe" row inserted before it starts (op `r`); the
 * stack's connector uses `snapshot.mode=no_data` and never produces snapshot events.
 */
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { collectFixtures } from './capture-collect.js';
import { readStackEnv } from './env.js';
import { sleep, waitUntil } from './wait-until.js';

// Per run: Connect keeps a deleted connector's offsets, and a new connector under an old name would
// resume from them and skip its snapshot. The offsets are reset before the connector is deleted too.
const NAME_PREFIX = 'fixtures-postgres';
const NAME = `${NAME_PREFIX}-${Date.now()}`;
const PREFIX = 'fixtures';
const SLOT = 'fixtures_slot';
const OUT = join(import.meta.dirname, '../../packages/event-bus/src/events/__fixtures__/debezium');

const env = readStackEnv();
const connectUrl = env.KAFKA_CONNECT_URL!;
const appPrefix = env.DEBEZIUM_TOPIC_PREFIX ?? 'app';
const appConnector = env.DEBEZIUM_CONNECTOR ?? 'app-postgres';

const log = (msg: string) => console.log(`[capture] ${msg}`);

async function rest(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${connectUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const db = new pg.Client({ connectionString: env.POSTGRES_URL });
const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });

async function slot(): Promise<{ active: boolean } | undefined> {
  const { rows } = await db.query<{ active: boolean }>(
    'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
    [SLOT],
  );
  return rows[0];
}

/** Removes temporary connectors (this run's and what an interrupted run left behind) and the slot. */
async function cleanup(): Promise<void> {
  const names = ((await rest('GET', '/connectors')).json as string[]).filter((n) =>
    n.startsWith(NAME_PREFIX),
  );
  for (const name of names) {
    // Stop, reset its offsets (KIP-875), then delete, so the worker's offsets file keeps nothing of it.
    await rest('PUT', `/connectors/${name}/stop`);
    await waitUntil(`${name} STOPPED`, async () => {
      const s = (await rest('GET', `/connectors/${name}/status`)).json as { connector?: { state: string } };
      return s.connector?.state === 'STOPPED' ? true : undefined;
    });
    const reset = await rest('DELETE', `/connectors/${name}/offsets`);
    log(`reset offsets of ${name}: ${reset.status} ${JSON.stringify(reset.json)}`);
    const del = await rest('DELETE', `/connectors/${name}`);
    log(`deleted connector ${name}: ${del.status}`);
  }
  if (await slot()) {
    await waitUntil('the temporary slot to become inactive', async () =>
      (await slot())?.active ? undefined : true,
    );
    await db.query('SELECT pg_drop_replication_slot($1)', [SLOT]);
    log(`dropped replication slot ${SLOT}`);
  }
  // Its topics too (`fixtures.*`, `__debezium-heartbeat.fixtures`): a later run starts from empty ones.
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ours = (t: string) => t.startsWith(`${PREFIX}.`) || t === `__debezium-heartbeat.${PREFIX}`;
    const topics = (await admin.listTopics()).filter(ours);
    if (topics.length > 0) {
      await admin.deleteTopics({ topics });
      await waitUntil('the temporary topics to go', async () =>
        (await admin.listTopics()).some(ours) ? undefined : true,
      );
      log(`deleted topics ${topics.join(', ')}`);
    }
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  await db.connect();
  await cleanup();

  // The same config as the stack's connector, with its own prefix, slot and converters.
  const base = (await rest('GET', `/connectors/${appConnector}/config`)).json as Record<string, string>;
  if (base['publication.name'] !== 'dbz_app' || base['publication.autocreate.mode'] !== 'disabled') {
    throw new Error(
      `expected the stack connector to read the existing publication dbz_app with autocreate disabled, got ${base['publication.name']}/${base['publication.autocreate.mode']}`,
    );
  }

  // One row that exists before the temporary connector starts: its snapshot gives the op 'r' fixture.
  const values = [
    '12.3400',
    true,
    '{"tags": ["a", "b"], "score": 5}',
    '2024-06-01 12:04:56.123456',
    '2024-06-01 12:04:56.123456+00',
    '2024-06-01',
  ];
  const insertProbe =
    'INSERT INTO "TypeProbe" (amount, flag, meta, at, atz, day) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id';
  const snapshotId = (await db.query<{ id: string }>(insertProbe, values)).rows[0]!.id;
  log(`TypeProbe row ${snapshotId} for the snapshot`);

  const config: Record<string, string> = {
    ...base,
    name: NAME,
    'topic.prefix': PREFIX,
    'slot.name': SLOT,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter.schemas.enable': 'true',
    // Snapshot just the one row above; then stream like the stack's connector.
    'snapshot.mode': 'initial',
    'snapshot.include.collection.list': 'public.TypeProbe',
    'snapshot.select.statement.overrides': 'public.TypeProbe',
    'snapshot.select.statement.overrides.public.TypeProbe': `SELECT * FROM "public"."TypeProbe" WHERE id = ${snapshotId}`,
  };
  const created = await rest('POST', '/connectors', { name: NAME, config });
  if (created.status >= 300)
    throw new Error(`creating ${NAME}: ${created.status} ${JSON.stringify(created.json)}`);
  log(`registered ${NAME}`);

  try {
    await waitUntil(`${NAME} task RUNNING and slot active`, async () => {
      const s = (await rest('GET', `/connectors/${NAME}/status`)).json as {
        connector?: { state: string };
        tasks?: { state: string; trace?: string }[];
      };
      const task = s.tasks?.[0];
      if (task?.state === 'FAILED') throw new Error(`${NAME} task FAILED:\n${task.trace}`);
      return s.connector?.state === 'RUNNING' && task?.state === 'RUNNING' && (await slot())?.active
        ? true
        : undefined;
    });
    log(`${NAME} RUNNING, slot ${SLOT} active`);
    // The slot is active before the snapshot has finished; streamed changes wait behind it anyway.
    await sleep(2000);

    // Each statement is its own transaction, so each change has its own BEGIN/END.
    const probeId = (await db.query<{ id: string }>(insertProbe, values)).rows[0]!.id;
    await db.query(
      `UPDATE "TypeProbe" SET amount = '-5.5000', flag = false, meta = '{"tags": [], "score": null}' WHERE id = $1`,
      [probeId],
    );
    await db.query('DELETE FROM "TypeProbe" WHERE id = $1', [probeId]);
    await db.query('DELETE FROM "TypeProbe" WHERE id = $1', [snapshotId]);
    log(`TypeProbe row ${probeId}: insert, update, delete`);

    const userId = (
      await db.query<{ id: number }>(
        `INSERT INTO "User" (username, "createdAt") VALUES ($1, '2024-06-01 12:00:00') RETURNING id`,
        [`fixtures-${Date.now()}`],
      )
    ).rows[0]!.id;
    const imageId = (
      await db.query<{ id: number }>(
        `INSERT INTO "Image" ("userId", "createdAt") VALUES ($1, '2024-06-01 12:01:00') RETURNING id`,
        [userId],
      )
    ).rows[0]!.id;
    const reactionId = (
      await db.query<{ id: number }>(
        `INSERT INTO "ImageReaction" ("imageId", "userId", reaction, "createdAt")
         VALUES ($1, $2, 'Heart', '2024-06-01 12:05:00.250') RETURNING id`,
        [imageId, userId],
      )
    ).rows[0]!.id;
    await db.query(`UPDATE "ImageReaction" SET reaction = 'Like' WHERE id = $1`, [reactionId]);
    await db.query('DELETE FROM "ImageReaction" WHERE id = $1', [reactionId]);
    await db.query('DELETE FROM "Image" WHERE id = $1', [imageId]);
    await db.query('DELETE FROM "User" WHERE id = $1', [userId]);
    log(`ImageReaction row ${reactionId} (image ${imageId}, user ${userId}): insert, update, delete`);

    await collectFixtures({
      kafka,
      prefix: PREFIX,
      appPrefix,
      out: OUT,
      log,
      ids: { probeId: String(probeId), snapshotId: String(snapshotId), reactionId: String(reactionId) },
    });
  } finally {
    await cleanup();
    await db.end();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
