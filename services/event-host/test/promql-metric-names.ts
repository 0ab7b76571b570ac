// Metric names used by PromQL expressions, and the expressions of the shipped alert rules and dashboard,
// so tests can check that every name exists in a host's /metrics (a renamed metric fails them).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/**
 * The metric names in a PromQL expression: identifiers used as series (bare, or followed by `{` or `[`),
 * not function names (followed by `(`), keywords, label names in `by (...)` / matchers, strings, numbers,
 * durations or Grafana variables.
 */
export function metricNamesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\boffset\s+-?\w+/gi, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)(?!\s*\()/g)) {
    const name = m[1]!;
    // A backtracked partial identifier (`rat` of `rate(`) is cut off by the lookahead only at its end.
    const next = stripped[m.index! + name.length];
    if (next !== undefined && /[\w:]/.test(next)) continue;
    if (!KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

const DOCS = fileURLToPath(new URL('../../../docs/alerts/', import.meta.url));
export const ALERT_RULES_FILE = `${DOCS}event-host.rules.yml`;
export const DASHBOARD_FILE = `${DOCS}event-host.dashboard.json`;

/** The `expr:` of every rule: inline (`expr: ...`) or a block (`expr: |` and the lines indented under it). */
export function alertExpressions(yaml = readFileSync(ALERT_RULES_FILE, 'utf8')): string[] {
  const lines = yaml.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:- )?expr:\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    if (m[2] !== '|' && m[2] !== '>') {
      out.push(m[2]!.replace(/^(['"])(.*)\1$/, '$2'));
      continue;
    }
    const block: string[] = [];
    while (
      i + 1 < lines.length &&
      (lines[i + 1]!.trim() === '' || (/^\s/.test(lines[i + 1]!) && indent(lines[i + 1]!) > m[1]!.length))
    )
      block.push(lines[++i]!.trim());
    out.push(block.join(' ').trim());
  }
  return out;
}

const indent = (line: string) => line.length - line.trimStart().length;

/** The `expr` of every target of every panel (rows included), and of the templating queries. */
export function dashboardExpressions(json = readFileSync(DASHBOARD_FILE, 'utf8')): string[] {
  const dashboard = JSON.parse(json) as {
    panels: { targets?: { expr: string }[]; panels?: { targets?: { expr: string }[] }[] }[];
    templating?: { list: { type: string; query?: string }[] };
  };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const variables = (dashboard.templating?.list ?? [])
    .filter((v) => v.type === 'query' && v.query)
    .map((v) => /^label_values\((\w+)/.exec(v.query!)?.[1] ?? v.query!);
  return [...panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...variables];
}

/** Metric family names in a Prometheus text exposition (histogram samples count as their family too). */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)$/.exec(line);
    if (type) {
      names.add(type[1]!);
      if (type[2] === 'histogram' || type[2] === 'summary')
        for (const s of ['_bucket', '_sum', '_count']) names.add(type[1]! + s);
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}
