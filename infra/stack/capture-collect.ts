import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EachMessagePayload, Kafka } from 'kafkajs';
import { waitUntil } from './wait-until.js';

interface Captured {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
}

// Parsed JSON when re-serializing gives back the exact bytes (load.ts re-serializes with
// JSON.stringify); otherwise the message text itself, so nothing is rounded.
function part(text: string | null): unknown {
  if (text === null) return null;
  const parsed = JSON.parse(text);
  return JSON.stringify(parsed) === text ? parsed : text;
}

function writeFixture(out: string, name: string, m: Captured, log: (msg: string) => void): void {
  const file = {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: part(m.key),
    value: part(m.value),
  };
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(file, null, 2)}\n`);
  log(`wrote ${name}.json (${m.topic}/${m.partition}@${m.offset})`);
}

/** Unwraps the schema envelope if there is one. */
const payload = (text: string | null): Record<string, unknown> | null => {
  if (text === null) return null;
  const json = JSON.parse(text) as Record<string, unknown>;
  return 'schema' in json && 'payload' in json ? (json.payload as Record<string, unknown>) : json;
};

/** Reads both connectors' topics until every expected change, BEGIN/END and heartbeat is there, and writes them as fixtures. */
export async function collectFixtures(opts: {
  kafka: Kafka;
  /** The temporary connector's topic prefix (schema envelope) and the stack connector's (none). */
  prefix: string;
  appPrefix: string;
  out: string;
  log: (msg: string) => void;
  ids: { probeId: string; snapshotId: string; reactionId: string };
}): Promise<void> {
  const { kafka, prefix, appPrefix, out, log, ids } = opts;
  const variants = [
    { prefix, suffix: 'schema' },
    { prefix: appPrefix, suffix: 'no-schema' },
  ];
  const topics = variants.flatMap(({ prefix }) => [
    `${prefix}.public.TypeProbe`,
    `${prefix}.public.ImageReaction`,
    `${prefix}.transaction`,
    `__debezium-heartbeat.${prefix}`,
  ]);

  const admin = kafka.admin();
  await admin.connect();
  await waitUntil('all topics to exist', async () => {
    const existing = new Set(await admin.listTopics());
    return topics.every((t) => existing.has(t)) ? true : undefined;
  });
  await admin.disconnect();

  const found = new Map<string, Captured>();
  const wanted: string[] = [];
  for (const { suffix } of variants) {
    for (const t of ['type-probe', 'image-reaction'])
      for (const op of ['create', 'update', 'delete', 'tombstone']) wanted.push(`${t}.${op}.${suffix}`);
    wanted.push(`transaction.begin.${suffix}`, `transaction.end.${suffix}`, `heartbeat.${suffix}`);
  }
  wanted.push('type-probe.snapshot.schema');

  // Transaction ids are `<txId>:<lsn>`, and BEGIN and END carry different LSNs: match on txId.
  let probeCreateTx: string | undefined;
  const pendingTx: Captured[] = [];
  const opNames: Record<string, string> = { c: 'create', u: 'update', d: 'delete', r: 'snapshot' };

  const seen = new Map<string, number>();
  let skipped = 0;
  const consider = (m: Captured): void => {
    seen.set(`${m.topic}/${m.partition}`, Number(m.offset));
    const variant =
      m.topic.startsWith(`${prefix}.`) || m.topic.endsWith(`.${prefix}`) ? 'schema' : 'no-schema';
    const put = (name: string) => {
      if (!found.has(`${name}.${variant}`)) found.set(`${name}.${variant}`, m);
    };
    if (m.topic.startsWith('__debezium-heartbeat.')) {
      found.set(`heartbeat.${variant}`, m); // the latest one
      return;
    }
    if (m.topic.endsWith('.transaction')) {
      pendingTx.push(m);
      return;
    }
    const key = payload(m.key) as { id?: unknown } | null;
    const id = String(key?.id);
    const table = m.topic.endsWith('.TypeProbe') ? 'type-probe' : 'image-reaction';
    const ownId = table === 'type-probe' ? ids.probeId : ids.reactionId;
    if (m.value === null) {
      if (id === ownId) put(`${table}.tombstone`);
      return;
    }
    const value = payload(m.value) as { op: string; source: { txId: number } };
    if (table === 'type-probe' && value.op === 'r' && id === ids.snapshotId) put('type-probe.snapshot');
    if (id !== ownId || value.op === 'r') return;
    put(`${table}.${opNames[value.op]}`);
    if (table === 'type-probe' && value.op === 'c') probeCreateTx = String(value.source.txId);
  };

  const consumer = kafka.consumer({
    groupId: `capture-fixtures-${Date.now()}`,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {
      const m = {
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? null,
        value: message.value?.toString('utf8') ?? null,
      };
      // Tests share these topics and some produce messages that are not Debezium's (or not JSON):
      // skip them, since a throw here would make kafkajs redeliver the batch forever.
      try {
        consider(m);
      } catch {
        skipped++;
      }
    },
  });

  try {
    await waitUntil(
      'every expected message',
      async () => {
        // BEGIN/END of the transaction that created the TypeProbe row (the same id on both connectors).
        if (probeCreateTx !== undefined) {
          for (const m of pendingTx) {
            const v = payload(m.value) as { id: string; status: string };
            if (v.id.split(':')[0] !== probeCreateTx) continue;
            const variant = m.topic.startsWith(`${prefix}.`) ? 'schema' : 'no-schema';
            const name = `transaction.${v.status.toLowerCase()}.${variant}`;
            if (!found.has(name)) found.set(name, m);
          }
        }
        return wanted.every((w) => found.has(w)) ? true : undefined;
      },
      60_000,
    ).catch((e: Error) => {
      const last = JSON.stringify(Object.fromEntries([...seen].sort()));
      throw new Error(
        `${e.message}; missing: ${wanted.filter((w) => !found.has(w)).join(', ')}; last offsets seen: ${last}; ${skipped} foreign messages skipped`,
      );
    });
  } finally {
    await consumer.disconnect();
  }

  mkdirSync(out, { recursive: true });
  for (const name of wanted) writeFixture(out, name, found.get(name)!, log);
  const source = (payload(found.get('type-probe.create.schema')!.value) as { source: { version: string } })
    .source;
  log(`Debezium ${source.version}, captured ${new Date().toISOString()}`);
}
