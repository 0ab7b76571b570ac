import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { truthPlan } from '@engagement/event-bus/truth';
import { describe, expect, it } from 'vitest';
import type { MetricListener } from '../counting/define-metric-listener.js';
import { plugins } from '../index.js';
import { DEPRECATION_REASONS } from './deprecated-metrics.js';
import { PLAN_MAPPING, STORED_AS } from './plan-mapping.js';
import { MAPPING_DOC_COMMAND, renderMappingDoc } from './render-mapping-doc.js';

const docPath = fileURLToPath(new URL('../../../../docs/metric-mapping.md', import.meta.url));

/** Every `Entity.metric` some listener declares it moves. */
const moved = new Set(
  plugins.flatMap((p) =>
    p.listeners.flatMap((l) =>
      'declaration' in l
        ? (l as MetricListener).declaration.moves.flatMap((m) => m.metrics.map((x) => `${m.entity}.${x}`))
        : [],
    ),
  ),
);

describe('docs/metric-mapping.md', () => {
  it(`is what the listeners declare (run \`${MAPPING_DOC_COMMAND}\` when this fails)`, () => {
    const committed = readFileSync(docPath, 'utf8');
    expect(
      committed === renderMappingDoc(plugins),
      `docs/metric-mapping.md is stale: run ${MAPPING_DOC_COMMAND}`,
    ).toBe(true);
  });
});

describe('the listeners against the plan', () => {
  const live = PLAN_MAPPING.flatMap((model) =>
    model.metrics.filter((m) => m.plan !== 'deprecated').map((m) => ({ entity: model.entity, ...m })),
  );

  it('every metric the plan does not deprecate is moved by some listener', () => {
    const missing = live
      .flatMap(({ entity, metric }) => (STORED_AS[metric] ?? [metric]).map((stored) => `${entity}.${stored}`))
      .filter((key) => !moved.has(key));
    expect(missing).toEqual([]);
    expect(live.length).toBeGreaterThan(80);
  });

  it('no listener moves a metric outside the plan', () => {
    const planned = new Set(
      live.flatMap(({ entity, metric }) => (STORED_AS[metric] ?? [metric]).map((s) => `${entity}.${s}`)),
    );
    expect([...moved].filter((key) => !planned.has(key))).toEqual([]);
  });

  it('every deprecated metric is absent and has a reason in the docs', () => {
    for (const model of PLAN_MAPPING) {
      for (const { metric, plan } of model.metrics) {
        if (plan !== 'deprecated') continue;
        const reason = DEPRECATION_REASONS[model.model] ?? DEPRECATION_REASONS[`${model.model}.${metric}`];
        expect(reason, `${model.model}.${metric}`).toBeTruthy();
        if (model.entity)
          expect(moved.has(`${model.entity}.${metric}`), `${model.model}.${metric}`).toBe(false);
      }
    }
  });
});

describe('truth per metric', () => {
  it('every listener declares its truth: nothing is not reconcilable', () => {
    expect(truthPlan(plugins).notReconcilable).toEqual([]);
  });

  it('the truths cover exactly the metrics the listeners move', () => {
    const plan = truthPlan(plugins);
    const covered = new Set(
      [...plan.byEntityType.values()].flatMap((list) =>
        list.flatMap((p) => p.truth.metrics.map((m) => `${p.truth.entityType}.${m}`)),
      ),
    );
    expect([...covered].sort()).toEqual([...moved].sort());
  });

  it('a listener without a truth is reported with its reason, never skipped', () => {
    const bare = { ...plugins[1]!, listeners: [{ ...plugins[1]!.listeners[0]!, truth: undefined }] };
    expect(truthPlan([bare]).notReconcilable).toEqual([
      {
        pluginId: bare.id,
        listenerId: bare.listeners[0]!.id,
        reason: expect.stringContaining('declares no truth'),
      },
    ]);
  });
});
