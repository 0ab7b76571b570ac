// Synthetic Debezium ImageReaction changes with the totals they must produce, and the totals ClickHouse holds.
import type { ClickHouseClient } from '@clickhouse/client';
import { readMetricTotals } from '@engagement/event-bus/sinks/clickhouse';
import { fakeEvent, waitFor } from '@engagement/event-bus/testing';

const KINDS = { Like: 'likeCount', Heart: 'heartCount', Laugh: 'laughCount' } as const;

/** A reproducible plan of reaction creates and deletes, and the totals it must produce per image. */
export interface ReactionPlan {
  records: { key: Buffer; value: Buffer }[];
  /** `Image:<id>` → metric type → total. */
  expected: Map<string, Record<string, number>>;
  /** The same, counting creates only (what a count that takes removals from a recompute holds before it). */
  given: Map<string, Record<string, number>>;
}

/** Builds `count` changes on the given images: mostly creates, some deletes of earlier reactions. */
export function reactionPlan(imageIds: number[], count: number, seed = 7): ReactionPlan {
  let s = seed;
  const rand = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  const table = fakeEvent.postgres('ImageReaction');
  const live: Record<string, unknown>[] = [];
  const expected = new Map<string, Record<string, number>>(
    imageIds.map((id) => [`Image:${id}`, { likeCount: 0, heartCount: 0, laughCount: 0, reactionCount: 0 }]),
  );
  const given = new Map([...expected].map(([key, totals]) => [key, { ...totals }]));
  const records: ReactionPlan['records'] = [];
  let nextId = 1;
  for (let i = 0; i < count; i++) {
    const remove = live.length > 0 && rand() < 0.25;
    const row = remove
      ? live.splice(Math.floor(rand() * live.length), 1)[0]!
      : {
          id: nextId++,
          imageId: imageIds[Math.floor(rand() * imageIds.length)]!,
          userId: 1 + Math.floor(rand() * 1000),
          reaction: Object.keys(KINDS)[Math.floor(rand() * 3)]!,
          createdAt: Date.UTC(2026, 0, 1) + i * 1000,
        };
    if (!remove) live.push(row);
    const change = remove ? table.deleted(row) : table.created(row);
    records.push({ key: change.record.key!, value: change.record.value! });
    const totals = expected.get(`Image:${row.imageId}`)!;
    const sign = remove ? -1 : 1;
    totals[KINDS[row.reaction as keyof typeof KINDS]] =
      totals[KINDS[row.reaction as keyof typeof KINDS]]! + sign;
    totals.reactionCount = totals.reactionCount! + sign;
    if (!remove) {
      const kind = KINDS[row.reaction as keyof typeof KINDS];
      const created = given.get(`Image:${row.imageId}`)!;
      created[kind] = created[kind]! + 1;
    }
  }
  return { records, expected, given };
}

/** Totals per image as reads see them (FINAL), and the raw row count (replays not yet merged included). */
export async function clickhouseImageTotals(
  ch: ClickHouseClient,
  imageIds: number[],
): Promise<{ totals: Map<string, Record<string, number>>; finalRows: number; rawRows: number }> {
  const rows = await (
    await ch.query({
      query: `SELECT entityId, metricType, toString(sum(metricValue)) AS total FROM entityMetricEvents FINAL
              WHERE entityType = 'Image' AND entityId IN {ids:Array(Int64)} GROUP BY entityId, metricType`,
      query_params: { ids: imageIds },
      format: 'JSONEachRow',
    })
  ).json<{ entityId: string | number; metricType: string; total: string }>();
  const totals = new Map<string, Record<string, number>>(
    imageIds.map((id) => [`Image:${id}`, { likeCount: 0, heartCount: 0, laughCount: 0, reactionCount: 0 }]),
  );
  for (const r of rows) totals.get(`Image:${Number(r.entityId)}`)![r.metricType] = Number(r.total);
  const count = async (final: string) =>
    Number(
      (
        await (
          await ch.query({
            query: `SELECT toString(count()) AS n FROM entityMetricEvents ${final} WHERE entityType = 'Image' AND entityId IN {ids:Array(Int64)}`,
            query_params: { ids: imageIds },
            format: 'JSONEachRow',
          })
        ).json<{ n: string }>()
      )[0]!.n,
    );
  return { totals, finalRows: await count('FINAL'), rawRows: await count('') };
}

/** The same totals read as fills, search flushes and reconcile read them: through the read rollup. */
export async function rollupImageTotals(
  ch: ClickHouseClient,
  imageIds: number[],
): Promise<Map<string, Record<string, number>>> {
  const metricTypes = [...Object.values(KINDS), 'reactionCount'];
  const rows = await readMetricTotals(ch, {
    entityType: 'Image',
    entityIds: imageIds,
    metricTypes,
    timeframes: ['all'],
  });
  return new Map(
    rows.map((r) => [
      `Image:${r.entityId}`,
      Object.fromEntries(metricTypes.map((m) => [m, r.totals[m]!.all])),
    ]),
  );
}

/** Polls ClickHouse until every image of `plan` holds its expected totals; resolves with that reading. */
export function waitForPlanTotals(
  ch: ClickHouseClient,
  imageIds: number[],
  plan: ReactionPlan,
  timeoutMs = 60_000,
): ReturnType<typeof clickhouseImageTotals> {
  return waitFor(
    () => clickhouseImageTotals(ch, imageIds),
    (t) => [...plan.expected].every(([k, v]) => JSON.stringify(t.totals.get(k)) === JSON.stringify(v)),
    timeoutMs,
    'ClickHouse totals',
  );
}
