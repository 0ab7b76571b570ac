import { isAscii } from 'node:buffer';
import type { MetricTimeframe, MetricTotals } from '@engagement/event-bus/sinks/clickhouse';
import { JsonBytes } from './json-bytes.js';
import { DEFAULT_RATIOS, defaultMetricFieldName, type MetricFieldOptions } from './metric-fields.js';

/** One field of a document: its name, already quoted for JSON, and how its value is computed. */
type Field = { name: string; key: string; timeframe: MetricTimeframe } & (
  | { metric: string }
  | { sum: string; count: string }
);

/** The fields of documents whose totals carry exactly these metrics, in `metricFields` order. */
interface Plan {
  fields: Field[];
  /** `,"name":` per field as UTF-8, so a document is fragments and numbers written one after another. */
  fragments: Uint8Array[];
  /** `,"name":0` per field: most values of a metrics update are 0 (quiet windows), written in one copy. */
  zeros: Uint8Array[];
  /** Whether every fragment is ASCII (field names usually are). */
  ascii: boolean;
}

/**
 * Builds the metric fields of many documents of one index, as `metricFields` does for one, without
 * building one name per field and document: the field names are worked out once per set of metrics and
 * reused. `json` writes the metrics-only documents straight as one JSON array, so a 10k-document update
 * neither allocates 10k objects of 50 fields nor walks them again to stringify them.
 */
export class MetricDocuments {
  private readonly plans = new Map<string, Plan>();
  private readonly idKey: Uint8Array;
  private readonly idKeyAscii: boolean;
  /** Characters per document in the last body, so the next starts with about the room it needs. */
  private perDocument = 64;

  constructor(
    private readonly options: MetricFieldOptions & {
      /** Only these metric types go into documents (all that the totals carry when undefined). */
      metricTypes?: readonly string[];
      primaryKey: string;
    },
  ) {
    this.idKey = Buffer.from(`{${JSON.stringify(options.primaryKey)}:`);
    this.idKeyAscii = isAscii(this.idKey);
  }

  /** The metric fields of one document, as `metricFields` gives them (empty without totals). */
  fields(totals: MetricTotals | undefined): Record<string, number> {
    const out: Record<string, number> = {};
    if (!totals) return out;
    const plan = this.planFor(totals);
    for (const field of plan.fields) out[field.name] = fieldValue(field, totals);
    return out;
  }

  /**
   * A JSON array of `{primaryKey: id, ...fields}` for every id whose totals give at least one field, and
   * how many documents it holds. Ids without totals, or whose index wants none of their metrics, are left out.
   */
  json(
    ids: readonly number[],
    totalsOf: (id: number) => MetricTotals | undefined,
  ): { json: string; count: number } {
    const out = new JsonBytes(ids.length * this.perDocument + 1024);
    out.ascii('[');
    let count = 0;
    for (const id of ids) {
      const totals = totalsOf(id);
      if (!totals) continue;
      const plan = this.planFor(totals);
      const { fields, fragments, zeros } = plan;
      if (fields.length === 0) continue;
      if (count) out.ascii(',');
      out.bytes(this.idKey, this.idKeyAscii);
      out.number(id);
      for (let i = 0; i < fields.length; i++) {
        const value = fieldValue(fields[i]!, totals);
        if (value === 0) {
          out.bytes(zeros[i]!, plan.ascii);
        } else {
          out.bytes(fragments[i]!, plan.ascii);
          out.number(value);
        }
      }
      out.ascii('}');
      count++;
    }
    out.ascii(']');
    const json = out.text();
    if (count) this.perDocument = Math.ceil(json.length / count);
    return { json, count };
  }

  private planFor(totals: MetricTotals): Plan {
    const wanted = this.options.metricTypes;
    const metrics = wanted ? wanted.filter((m) => totals.totals[m]) : Object.keys(totals.totals);
    const id = metrics.join('\u0000');
    let plan = this.plans.get(id);
    if (!plan) {
      plan = this.plan(metrics);
      this.plans.set(id, plan);
    }
    return plan;
  }

  /** Fields in the order `metricFields` sets them; a later field of the same name replaces the earlier. */
  private plan(metrics: readonly string[]): Plan {
    const name = this.options.fieldName ?? defaultMetricFieldName;
    const byName = new Map<string, Field>();
    for (const metric of metrics) {
      for (const timeframe of this.options.timeframes) {
        const field = name(metric, timeframe);
        byName.set(field, { name: field, key: JSON.stringify(field), metric, timeframe });
      }
    }
    for (const [ratio, [sum, count]] of Object.entries(this.options.ratios ?? DEFAULT_RATIOS)) {
      if (!metrics.includes(sum) || !metrics.includes(count)) continue;
      for (const timeframe of this.options.timeframes) {
        // A name set again replaces the value in place, as in metricFields' object; JSON must not repeat it.
        const field = name(ratio, timeframe);
        byName.set(field, { name: field, key: JSON.stringify(field), sum, count, timeframe });
      }
    }
    const fields = [...byName.values()];
    const fragments = fields.map((f) => Buffer.from(`,${f.key}:`));
    const zeros = fields.map((f) => Buffer.from(`,${f.key}:0`));
    return { fields, fragments, zeros, ascii: fragments.every(isAscii) };
  }
}

function fieldValue(field: Field, totals: MetricTotals): number {
  if ('metric' in field) return totals.totals[field.metric]![field.timeframe] ?? 0;
  const n = totals.totals[field.count]![field.timeframe] ?? 0;
  return n === 0 ? 0 : (totals.totals[field.sum]![field.timeframe] ?? 0) / n;
}
