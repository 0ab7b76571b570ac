/// <reference path="../infra/test/global-setup.ts" />
// Sample traffic on the real stack: a few seconds of it changes rows across the source tables (creates,
// updates, deletes) at about the requested rate, and publishes ClickHouse source rows that reach Kafka
// as the same rows that were stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClickHouseRowPublisher,
  clickhouseSourceDdl,
  clickhouseSourceTables,
} from '@engagement/app-db/clickhouse';
import { fetchTopicOffsets } from '@engagement/event-bus/kafka';
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { runSampleTraffic, type SampleTrafficStats } from './sample-traffic.js';

describe('sample traffic', () => {
  it('changes every kind of source row at about the requested rate and publishes ClickHouse rows', async () => {
    const env = inject('stackEnv');
    const prefix = `st${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const db = new pg.Client({ connectionString: env.POSTGRES_URL });
    await db.connect();
    const chPath = mkdtempSync(join(tmpdir(), 'st-ch-'));
    const clickhouse = await openClickHouse({ path: chPath });
    for (const statement of clickhouseSourceDdl()) await clickhouse.command({ query: statement });
    const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const publisher = new ClickHouseRowPublisher({ clickhouse, producer, topicPrefix: prefix });
    try {
      const stats: SampleTrafficStats = { changes: 0, byOperation: {} };
      const stop = new AbortController();
      const perSecond = 200;
      let started = 0;
      const traffic = runSampleTraffic(db, perSecond, stop.signal, {
        publisher,
        stats,
        onWorld: () => {
          started = performance.now();
        },
      });
      // Enough operations that every table is hit (the rarest weighs 0.3 of ~110).
      while (!started) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 8_000));
      stop.abort();
      await traffic;
      const seconds = (performance.now() - started) / 1000;
      const operations = Object.values(stats.byOperation).length;
      console.log(
        `sample traffic: ${stats.changes} changes in ${seconds.toFixed(1)} s = ${(stats.changes / seconds).toFixed(0)}/s ` +
          `(asked ${perSecond} operations/s), ${operations} kinds of operation`,
      );
      expect(stats.changes / seconds).toBeGreaterThan(perSecond * 0.5);
      for (const kind of [
        'reaction.create',
        'reaction.change',
        'reaction.delete',
        'review.rating',
        'commentV2.create',
        'collectionItem.create',
        'tip.create',
        'follow.set',
        'download',
      ]) {
        expect(stats.byOperation[kind], kind).toBeGreaterThan(0);
      }

      // Every ClickHouse row stored was published to its topic, as stored. The contract is at least once,
      // as for the Kafka-engine export in production: a producer retry may write a row twice, which the
      // decoder collapses by the row's id, so the test compares the distinct keys with the stored ids.
      const stored = new Map<string, Set<string>>();
      for (const t of clickhouseSourceTables) {
        const r = await clickhouse.query({
          query: `SELECT toString(${t.idColumn}) AS id FROM ${t.table}`,
          format: 'JSONEachRow',
        });
        stored.set(
          `${prefix}.${t.topicSuffix}`,
          new Set((await r.json<{ id: string }>()).map((row) => row.id)),
        );
      }
      const published = await readKeys(kafka, [...stored.keys()]);
      for (const [topic, ids] of stored) {
        expect([...(published.get(topic) ?? [])].sort(), topic).toEqual([...ids].sort());
      }
      expect(stored.get(`${prefix}.modelVersionEvents`)?.size).toBeGreaterThan(0);
    } finally {
      await producer.disconnect();
      await clickhouse.close();
      await db.end();
      rmSync(chPath, { recursive: true, force: true });
    }
  });

  it('makes each atLeastOnce operation happen early, however rare, and refuses a name it does not know', async () => {
    const env = inject('stackEnv');
    const db = new pg.Client({ connectionString: env.POSTGRES_URL });
    await db.connect();
    try {
      // The two rarest realistic operations (weights 0.1 and 0.15 of ~120): at random, ~0.2 of them in 100
      // picks; forced, each within the first 20 picks that find something to change.
      const rare = ['collection.delete', 'model.delete'];
      const stats: SampleTrafficStats = { changes: 0, byOperation: {} };
      const stop = new AbortController();
      const traffic = runSampleTraffic(db, 50, stop.signal, {
        stats,
        realistic: true,
        seed: 7,
        atLeastOnce: rare,
      });
      const deadline = Date.now() + 20_000;
      while (rare.some((k) => !stats.byOperation[k]) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const kinds = Object.values(stats.byOperation).length;
      stop.abort();
      await traffic;
      for (const kind of rare) expect(stats.byOperation[kind] ?? 0, kind).toBeGreaterThan(0);
      expect(kinds, 'random picks went on meanwhile').toBeGreaterThan(rare.length);
      await expect(
        runSampleTraffic(db, 50, new AbortController().signal, { atLeastOnce: ['image.move'] }),
      ).rejects.toThrow('atLeastOnce: no operation named image.move in this mix');
    } finally {
      await db.end();
    }
  });
});

/** The distinct message keys of each topic, read from the start up to the topics' current ends. */
async function readKeys(kafka: Kafka, topics: string[]): Promise<Map<string, Set<string>>> {
  const admin = kafka.admin();
  await admin.connect();
  let expected = 0;
  try {
    for (const topic of topics) {
      for (const o of await fetchTopicOffsets(admin, topic)) expected += Number(o.high) - Number(o.low);
    }
  } finally {
    await admin.disconnect();
  }
  const keys = new Map(topics.map((t) => [t, new Set<string>()]));
  const consumer = kafka.consumer({ groupId: `sample-traffic-check-${Date.now()}` });
  await consumer.connect();
  let seen = 0;
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        keys.get(topic)?.add(String(message.key));
        seen++;
      },
    });
    const deadline = Date.now() + 30_000;
    while (seen < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(seen, 'messages read back').toBe(expected);
  } finally {
    await consumer.disconnect();
  }
  return keys;
}
