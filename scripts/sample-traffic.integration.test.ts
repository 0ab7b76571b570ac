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
    const producer = kafka.producer();
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

      // Every ClickHouse row stored was published, once, to its topic.
      const stored = new Map<string, number>();
      for (const t of clickhouseSourceTables) {
        const r = await clickhouse.query({
          query: `SELECT count() AS n FROM ${t.table}`,
          format: 'JSONEachRow',
        });
        stored.set(`${prefix}.${t.topicSuffix}`, Number((await r.json<{ n: string }>())[0]!.n));
      }
      const admin = kafka.admin();
      await admin.connect();
      for (const [topic, n] of stored) {
        const offsets = await admin.fetchTopicOffsets(topic);
        expect(
          offsets.reduce((s, o) => s + Number(o.high), 0),
          topic,
        ).toBe(n);
      }
      await admin.disconnect();
      expect(stored.get(`${prefix}.modelVersionEvents`)).toBeGreaterThan(0);
    } finally {
      await producer.disconnect();
      await clickhouse.close();
      await db.end();
      rmSync(chPath, { recursive: true, force: true });
    }
  });
});
