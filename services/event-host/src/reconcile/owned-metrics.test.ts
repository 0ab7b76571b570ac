import type { TruthPlan } from '@engagement/event-bus/truth';
import type { MetricTruth } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { metricsOwnedBy } from './owned-metrics.js';

const truth = (entityType: string, metrics: string[]): MetricTruth => ({
  source: 'postgres',
  entityType,
  metrics,
  sql: 'select 1',
});
const plan: TruthPlan = {
  byEntityType: new Map([
    [
      'Model',
      [
        {
          pluginId: 'model-metrics',
          listenerId: 'model.downloads',
          truth: truth('Model', ['downloadCount']),
        },
        // A second share of the same metric, from another plugin's listener.
        {
          pluginId: 'version-metrics',
          listenerId: 'version.rollup',
          truth: truth('Model', ['downloadCount']),
        },
        {
          pluginId: 'model-metrics',
          listenerId: 'model.reviews',
          truth: truth('Model', ['ratingCount', 'ratingSum']),
        },
      ],
    ],
    [
      'Image',
      [{ pluginId: 'image-metrics', listenerId: 'image.reactions', truth: truth('Image', ['likeCount']) }],
    ],
  ]),
  notReconcilable: [{ pluginId: 'legacy', listenerId: 'legacy.views', reason: 'declares no truth: …' }],
};

describe('metricsOwnedBy (backfill and reconcile --plugin / --listener)', () => {
  it('selects the metrics a plugin or a listener covers, by entity type; nothing chosen is everything', () => {
    expect(metricsOwnedBy(plan, {})).toBeUndefined();
    expect(metricsOwnedBy(plan, { plugin: 'model-metrics' })).toEqual(
      new Map([['Model', ['downloadCount', 'ratingCount', 'ratingSum']]]),
    );
    expect(metricsOwnedBy(plan, { listener: 'version.rollup' })).toEqual(
      new Map([['Model', ['downloadCount']]]),
    );
    expect(metricsOwnedBy(plan, { plugin: 'model-metrics', listener: 'model.reviews' })).toEqual(
      new Map([['Model', ['ratingCount', 'ratingSum']]]),
    );
  });

  it('names what it does not know, with a did-you-mean, and a listener without truth with its reason', () => {
    expect(() => metricsOwnedBy(plan, { plugin: 'model-metric' })).toThrow(
      'EH_USAGE: --plugin model-metric: no truth of it (did you mean model-metrics?)',
    );
    expect(() => metricsOwnedBy(plan, { plugin: 'image-metrics', listener: 'model.reviews' })).toThrow(
      '--listener model.reviews: no truth of it',
    );
    expect(() => metricsOwnedBy(plan, { listener: 'legacy.views' })).toThrow(
      '--listener legacy.views: declares no truth',
    );
  });
});
