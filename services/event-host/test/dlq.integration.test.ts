// The dead-letter workflow on the shared stack: poison changes in a Debezium topic are dead-lettered by a
// real host; the CLI lists them, shows a payload, discards the letters that can never succeed, and after
// the fix redrives the others exactly once.
import type { ClickHouseClient } from '@clickhouse/client';
import { fakeEvent } from '@engagement/event-bus/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventHost } from '../src/host/create-event-host.js';
import {
  connectStack,
  createImages,
  hostEnv,
  type StackClients,
  sourceTopicOf,
  startHost,
  waitFor,
} from './host-fixtures.js';
import { runCliCaptured } from './run-cli-captured.js';

let stack: StackClients;
let clickhouse: ClickHouseClient;
let host: EventHost;
let env: Record<string, string>;

const cli = (...argv: string[]) => runCliCaptured(argv, env);

interface Row {
  position: string;
  state: string;
  code: string;
  causeCode: string | null;
  listener: string | null;
  source: string;
  attempts: number;
  message: string;
}

async function listed(...filters: string[]): Promise<{ rows: Row[]; summary: Record<string, unknown> }> {
  const out = await cli('dlq', 'list', '--json', ...filters);
  expect(out.code, out.stderr).toBe(0);
  const rows = out.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
  return { rows, summary: JSON.parse(out.stderr) };
}

async function metricTotal(entityType: string, entityId: number, metricType: string): Promise<number> {
  const rows = await (
    await clickhouse.query({
      query: `SELECT toString(sum(metricValue)) AS total FROM entityMetricEvents FINAL
              WHERE entityType = {t:String} AND entityId = {id:Int64} AND metricType = {m:String}`,
      query_params: { t: entityType, id: entityId, m: metricType },
      format: 'JSONEachRow',
    })
  ).json<{ total: string }>();
  return Number(rows[0]?.total ?? 0);
}

beforeAll(async () => {
  stack = await connectStack();
  env = hostEnv('dlq', { EVENT_HOST_LOG_LEVEL: 'error' });
  ({ host, clickhouse } = await startHost(env));
});

afterAll(async () => {
  await host?.stop();
  await clickhouse?.close();
  await stack?.close();
});

describe('dead letters end to end', () => {
  it('lists, shows, discards the hopeless, redrives the fixed ones once', async () => {
    const topic = sourceTopicOf(env);
    const { ownerId } = await createImages(stack.db, 0);
    // An image id nobody has yet: its reaction fails in the listeners that look the image up, until the
    // row exists (the fix). The other change's imageId cannot parse and never will.
    const laterImageId = 1_500_000_000 + Math.floor(Math.random() * 500_000_000);
    const table = fakeEvent.postgres('ImageReaction');
    const hopeless = table.created({ id: 1, imageId: 'abc', userId: 3, reaction: 'Like', createdAt: 0 });
    const fixable = table.created({
      id: 2,
      imageId: laterImageId,
      userId: 4,
      reaction: 'Like',
      createdAt: 0,
    });
    await stack.producer.send({
      topic,
      acks: -1,
      messages: [hopeless, fixable].map((c) => ({ key: c.record.key, value: c.record.value })),
    });

    // Both fail as EB_LISTENER_FAILED; the cause's code is in the message.
    const isFixable = (r: Row) => r.message.includes('ML_RELATED_ROW_MISSING');
    await waitFor(
      () => listed(),
      ({ rows }) => rows.filter(isFixable).length === 2 && rows.some((r) => !isFixable(r)),
      90_000,
      'the dead letters of both changes',
    );
    // Let the listeners still retrying finish, then take the listing.
    await new Promise((r) => setTimeout(r, 3_000));
    const before = await listed();
    const fixableRows = before.rows.filter(isFixable);
    const hopelessRows = before.rows.filter((r) => !isFixable(r));
    expect(fixableRows.map((r) => r.listener).sort()).toEqual(['post.reactions', 'user.reactions']);
    expect(new Set(hopelessRows.map((r) => r.source)).size).toBe(1);
    expect(before.summary).toMatchObject({
      all: { total: before.rows.length, pending: before.rows.length, redriven: 0, discarded: 0 },
    });
    expect(host.pipeline.stats.deadLetters).toBe(before.rows.length);

    // --limit limits the rows, not the counts.
    const limited = await cli('dlq', 'list', '--limit', '1');
    expect(limited.stdout.trim().split('\n')).toHaveLength(1);
    expect(limited.stderr).toContain(`${before.rows.length} dead letter(s)`);

    const show = await cli('dlq', 'show', hopelessRows[0]!.position);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('"imageId": "abc"');
    expect(show.stdout).toContain(`error      ${hopelessRows[0]!.code}`);
    expect(show.stdout).toContain('eb.source.topic: ');

    // The hopeless change failed in three listeners: image.reactions' letter by filter (the fixable
    // change did not fail there), the others by position.
    expect(hopelessRows.map((r) => r.listener).sort()).toEqual([
      'image.reactions',
      'post.reactions',
      'user.reactions',
    ]);
    // Neither failure is retriable (a column that never parses, a parent row in no table): every letter
    // was written after one attempt.
    expect(hopelessRows.map((r) => [r.code, r.causeCode, r.attempts])).toEqual(
      hopelessRows.map(() => ['EB_LISTENER_FAILED', 'EB_DECODE_BAD_VALUE', 1]),
    );
    expect(fixableRows.map((r) => [r.causeCode, r.attempts])).toEqual(
      fixableRows.map(() => ['ML_RELATED_ROW_MISSING', 1]),
    );
    const byFilter = await cli('dlq', 'discard', '--listener', 'image.reactions', '--json');
    expect(byFilter.code, byFilter.stderr).toBe(0);
    expect(JSON.parse(byFilter.stdout).discarded).toEqual(
      hopelessRows.filter((r) => r.listener === 'image.reactions').map((r) => r.position),
    );
    for (const r of hopelessRows.filter((r) => r.listener !== 'image.reactions')) {
      const one = await cli('dlq', 'discard', r.position, '--reason', 'imageId cannot parse');
      expect(one.code, one.stderr).toBe(0);
      expect(one.stdout).toContain(`discarded ${r.position}`);
    }

    const dryRun = await cli('dlq', 'redrive', '--dry-run');
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout.trim().split('\n')).toEqual(
      fixableRows.map((r) => expect.stringContaining(`would redrive ${r.position}`)),
    );
    expect((await listed()).summary).toMatchObject({
      all: { pending: 2, redriven: 0, discarded: hopelessRows.length },
    });

    // The fix: the image exists now.
    await stack.db.query('INSERT INTO "Image"(id, "userId") VALUES ($1, $2)', [laterImageId, ownerId]);
    const redrive = await cli('dlq', 'redrive', '--json');
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(
      JSON.parse(redrive.stdout)
        .redriven.map((r: { position: string }) => r.position)
        .sort(),
    ).toEqual(fixableRows.map((r) => r.position).sort());
    await waitFor(
      () => metricTotal('User', ownerId, 'reactionCount'),
      (n) => n === 1,
      60_000,
      "the owner's reactionCount",
    );

    const again = await cli('dlq', 'redrive');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('0 dead letter(s) redriven');
    await new Promise((r) => setTimeout(r, 3_000));
    // Exact: the redrive ran only the failed listeners, once; nothing failed again.
    expect(await metricTotal('User', ownerId, 'reactionCount')).toBe(1);
    expect(await metricTotal('Image', laterImageId, 'reactionCount')).toBe(1);
    expect(host.pipeline.stats.deadLetters).toBe(before.rows.length);
    const after = await listed();
    expect(after.summary).toMatchObject({
      all: { total: before.rows.length, pending: 0, redriven: 2, discarded: hopelessRows.length },
    });
    expect(after.rows.find((r) => r.position === hopelessRows[0]!.position)?.state).toBe('discarded');
  });
});
