// A deterministic, realistic mix of source changes across every table the listeners read, for the
// benchmark and the lookup query count: popular parents get most of the traffic (skewed picks), rows are
// mostly created, some deleted or updated later (reaction kind, review rating, hidden comments, tag
// toggles, awards), new images arrive with their own change, and ClickHouse rows come in between.
import { type FakeChange, fakeEvent } from '@engagement/event-bus/testing';
import { seededRandom } from '../../../../scripts/sample-traffic/random.js';
import { generationJobs, modelDownloads, resourceCompensations } from './clickhouse-traffic.js';
import {
  bountyBenefactors,
  imageResources,
  modelVersions,
  newImages,
  tagsOnImages,
  tagsOnModels,
  tagsOnPosts,
} from './content-traffic.js';
import {
  articleEngagements,
  articleReactions,
  bountyEngagements,
  bountyEntryReactions,
  buzzTips,
  collectionContributors,
  collectionItems,
  imageReactions,
  modelComments,
  resourceReviews,
  tagEngagements,
  threadComments,
  userEngagements,
} from './engagement-traffic.js';
import type { RowShare, TrafficDraw, TrafficRow, TrafficShare } from './traffic-share.js';
import type { TrafficWorld } from './traffic-world.js';

/** Each share's weight, as a typical site writes: reactions dominate, then comments, collections, downloads. */
const MIX: readonly (readonly [weight: number, share: TrafficShare])[] = [
  [30, imageReactions],
  [3, newImages],
  [8, threadComments],
  [6, collectionItems],
  [4, resourceReviews],
  [4, buzzTips],
  [5, userEngagements],
  [3, tagsOnImages],
  [1, tagsOnPosts],
  [1, tagsOnModels],
  [1, tagEngagements],
  [3, articleReactions],
  [1, articleEngagements],
  [1, bountyEngagements],
  [1, bountyEntryReactions],
  [1, bountyBenefactors],
  [2, imageResources],
  [1, modelVersions],
  [1, modelComments],
  [1, collectionContributors],
  [15, modelDownloads],
  [5, generationJobs],
  [2, resourceCompensations],
];

/** `count` changes over `world` (which new images and versions join), dated within the 30 days before `now`. */
export function realisticTraffic(
  world: TrafficWorld,
  count: number,
  seed = 1,
  now = Date.now(),
): FakeChange[] {
  // The sample traffic's seeded PRNG (mulberry32), so every run sees the same traffic.
  const rand = seededRandom(seed);
  const skewed = <T>(items: readonly T[]) => items[Math.floor(items.length * rand() ** 3)]!;
  const keys = <K>(m: Map<K, unknown>) => [...m.keys()];
  let nextId = 10_000_000;
  let nextImage = 1_000_000_000;
  const draw: TrafficDraw = {
    world,
    ids: {
      images: keys(world.images),
      versions: keys(world.versions),
      models: keys(world.models),
      threads: keys(world.threads),
      collections: keys(world.collections),
    },
    rand,
    skewed,
    user: () => skewed(world.users),
    at: () => now - Math.floor(rand() * 30 * 86_400_000),
    nextId: () => nextId++,
    nextImageId: () => nextImage++,
  };
  const live = new Map<string, TrafficRow[]>();

  /** Creates a row, or (with the given odds) deletes or updates one created earlier. */
  const change = ({ table, row: make, update }: RowShare): FakeChange => {
    const rows = live.get(table) ?? [];
    live.set(table, rows);
    const roll = rand();
    if (rows.length > 0 && roll < 0.12) {
      const [row] = rows.splice(Math.floor(rand() * rows.length), 1);
      return fakeEvent.postgres(table).deleted(row!);
    }
    if (rows.length > 0 && update && roll < 0.2) {
      const i = Math.floor(rand() * rows.length);
      const after = update(rows[i]!, draw);
      const updated = fakeEvent.postgres(table).updated(rows[i]!, after);
      rows[i] = after;
      return updated;
    }
    const row = make(draw);
    rows.push(row);
    return fakeEvent.postgres(table).created(row);
  };

  const out: FakeChange[] = [];
  const total = MIX.reduce((s, [w]) => s + w, 0);
  while (out.length < count) {
    let pick = rand() * total;
    for (const [weight, share] of MIX) {
      pick -= weight;
      if (pick < 0) {
        out.push('emit' in share ? share.emit(draw) : change(share));
        break;
      }
    }
  }
  return out.slice(0, count);
}
