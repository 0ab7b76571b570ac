// The app's ClickHouse rows, which arrive between the Postgres changes: downloads, generation jobs and
// creator compensation.
import {
  buzzResourceCompensation,
  modelVersionEvents,
  orchestrationJobs,
} from '@engagement/app-db/clickhouse';
import { clickhouseRow, clickhouseTime } from './clickhouse-rows.js';
import type { EmitShare } from './traffic-share.js';

/** Downloads of a model version. */
export const modelDownloads: EmitShare = {
  emit(d) {
    const versionId = d.skewed(d.ids.versions);
    return clickhouseRow(modelVersionEvents, {
      eventId: `d${d.nextId()}`,
      type: 'Download',
      time: clickhouseTime(d.at()),
      userId: d.user(),
      modelId: d.world.versions.get(versionId)!.modelId,
      modelVersionId: versionId,
      nsfw: false,
      earlyAccess: false,
    });
  },
};

/** Generation jobs that used two versions. */
export const generationJobs: EmitShare = {
  emit: (d) =>
    clickhouseRow(orchestrationJobs, {
      jobId: `j${d.nextId()}`,
      type: 'textToImage',
      userId: d.user(),
      createdAt: clickhouseTime(d.at()),
      cost: 4,
      resourcesUsed: [d.skewed(d.ids.versions), d.skewed(d.ids.versions)],
      status: 'Succeeded',
    }),
};

/** Buzz paid to a version's creator. */
export const resourceCompensations: EmitShare = {
  emit: (d) =>
    clickhouseRow(buzzResourceCompensation, {
      id: `c${d.nextId()}`,
      createdAt: clickhouseTime(d.at()),
      date: '2025-01-01',
      modelVersionId: d.skewed(d.ids.versions),
      accountId: d.user(),
      comp: 9,
      tip: 1,
      total: 10,
    }),
};
