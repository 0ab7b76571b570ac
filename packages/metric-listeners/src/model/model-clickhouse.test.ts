import {
  buzzResourceCompensation,
  modelVersionEvents,
  orchestrationJobs,
} from '@engagement/app-db/clickhouse';
import { netTotals, runListener, startTestHost } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups, worldOverrides } from '../__fixtures__/app-world.js';
import { appDecoder, clickhouseRow, clickhouseTime } from '../__fixtures__/clickhouse-rows.js';
import { modelMetricsPlugin } from './index.js';
import { modelDownloads } from './model-downloads.listener.js';
import { modelEarnings } from './model-earnings.listener.js';
import { modelGenerations } from './model-generations.listener.js';

const download = {
  eventId: 'e1',
  type: 'Download',
  time: clickhouseTime(CREATED_AT),
  userId: 3,
  modelId: 20,
  modelVersionId: 30,
  nsfw: false,
  earlyAccess: false,
};
const job = {
  jobId: 'j1',
  type: 'textToImage',
  userId: 3,
  createdAt: clickhouseTime(CREATED_AT),
  cost: 4,
  resourcesUsed: [30, 31],
  status: 'Succeeded',
};
const compensation = {
  id: 'c1',
  createdAt: clickhouseTime(CREATED_AT),
  date: '2023-11-14',
  modelVersionId: 31,
  accountId: 2,
  comp: 90,
  tip: 10,
  total: 100,
};

describe('model.downloads (downloadCount, ClickHouse)', () => {
  it('a Download event counts for the version and its model, dated by the event time', async () => {
    const out = await runListener(modelDownloads, clickhouseRow(modelVersionEvents, download));
    expect(netTotals(out)).toEqual({ 'ModelVersion:30:downloadCount': 1, 'Model:20:downloadCount': 1 });
    expect(out.every((m) => m.createdAt.getTime() === CREATED_AT)).toBe(true);
  });

  it('other event types count nothing', async () => {
    const other = clickhouseRow(modelVersionEvents, { ...download, eventId: 'e2', type: 'Like' });
    expect(await runListener(modelDownloads, other)).toEqual([]);
  });
});

describe('model.generations (generationCount, ClickHouse)', () => {
  it('a job counts for each version it used, and once for their model', async () => {
    const { versions } = worldLookups();
    const out = await runListener(modelGenerations, clickhouseRow(orchestrationJobs, job), { versions });
    expect(netTotals(out)).toEqual({
      'ModelVersion:30:generationCount': 1,
      'ModelVersion:31:generationCount': 1,
      'Model:20:generationCount': 1,
    });
  });
});

describe('model.earnings (earnedAmount, ClickHouse)', () => {
  it('adds the total to the version and its model', async () => {
    const { versions } = worldLookups();
    const out = await runListener(modelEarnings, clickhouseRow(buzzResourceCompensation, compensation), {
      versions,
    });
    expect(netTotals(out)).toEqual({ 'ModelVersion:31:earnedAmount': 100, 'Model:20:earnedAmount': 100 });
  });
});

describe('model plugin through a host', () => {
  it('counts a ClickHouse row once even when it is delivered twice', async () => {
    const host = await startTestHost({
      plugins: [modelMetricsPlugin],
      overrides: worldOverrides(),
      decoder: appDecoder,
    });
    const row = clickhouseRow(modelVersionEvents, { ...download, eventId: 'e9' });
    await host.send(row);
    await host.flush();
    await host.send(row);
    await host.flush();
    expect(host.store.total('Model', 20, 'downloadCount')).toBe(1);
  });
});
