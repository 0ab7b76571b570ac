import { describe, expect, it } from 'vitest';
import { metricsSource, searchStats } from '../../test/metrics-source.js';
import {
  alertExpressions,
  dashboardExpressions,
  exposedNames,
  metricNamesOf,
} from '../../test/promql-metric-names.js';
import { HostMetrics } from './host-metrics.js';

describe('metricNamesOf (PromQL)', () => {
  it('finds series names, not functions, keywords, labels, durations, strings or variables', () => {
    expect(
      metricNamesOf(
        'sum by (listener, code) (increase(eventhost_dead_letters_total{listener=~"a|b"}[10m])) > 0',
      ),
    ).toEqual(['eventhost_dead_letters_total']);
    expect(
      metricNamesOf(
        'histogram_quantile(0.95, sum by (sink, le) (rate(x_bucket{instance=~"$instance"}[$__rate_interval])))',
      ),
    ).toEqual(['x_bucket']);
    expect(metricNamesOf('a / b > 0.9 and on (instance) c offset 5m unless time() - d > 5e9')).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(metricNamesOf('absent(eventhost_build_info)')).toEqual(['eventhost_build_info']);
  });

  it('reads every expression of the rules file (inline and block) and of the dashboard', () => {
    const rules = alertExpressions();
    expect(rules.length).toBeGreaterThanOrEqual(8);
    expect(rules).toContain('sum by (listener, code) (increase(eventhost_dead_letters_total[10m])) > 0');
    expect(rules.some((r) => r.includes(' and ') && r.includes('deriv('))).toBe(true);
    expect(dashboardExpressions().length).toBeGreaterThanOrEqual(20);
  });

  it('exposedNames reads families and samples', () => {
    const names = exposedNames('# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE c counter\nc_total 1\n');
    expect([...names].sort()).toEqual(['c', 'c_total', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });
});

describe('the shipped alert rules and Grafana dashboard', () => {
  it('use only metrics a host exports (every optional source on: search-sync, replication slots)', async () => {
    const metrics = new HostMetrics(
      metricsSource({
        lag: () => [{ topic: 't', partition: 0, lag: 0 }] as never,
        search: async () => searchStats(),
        replicationSlots: () => [{ slot: 'dbz_app', active: true, retainedBytes: 0 }],
      }),
    );
    const exposed = exposedNames(await metrics.text());
    const used = [...alertExpressions(), ...dashboardExpressions()].flatMap(metricNamesOf);
    expect(used).toContain('eventhost_replication_slot_retained_bytes');
    expect(used.filter((n) => !exposed.has(n))).toEqual([]);
  });
});
