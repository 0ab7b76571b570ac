import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeApiReport, REPORT_FILE, renderApiReport, UPDATE_COMMAND } from './api-report.js';

/** The lines only one side has, `-` for the checked-in report and `+` for the sources. */
function lineDiff(checkedIn: string, current: string): string {
  const before = checkedIn.split('\n');
  const after = current.split('\n');
  return [
    ...before.filter((l) => !after.includes(l)).map((l) => `- ${l}`),
    ...after.filter((l) => !before.includes(l)).map((l) => `+ ${l}`),
  ].join('\n');
}

const VALUE_KINDS = new Set(['function', 'class', 'const', 'enum', 'namespace']);

describe('API report', () => {
  const entries = computeApiReport();

  it('matches the exports of every entry point of plugin-api and event-bus', () => {
    const current = renderApiReport(entries);
    const checkedIn = readFileSync(REPORT_FILE, 'utf8');
    if (current !== checkedIn) {
      expect.fail(
        `packages/plugin-api/api-report.md is out of date; if the export change is intended, run \`${UPDATE_COMMAND}\` and commit it:\n${lineDiff(checkedIn, current) || '(order or spacing only)'}`,
      );
    }
  });

  // The report is read from the sources' text; the modules themselves say which values they export.
  it.each([
    ['@engagement/plugin-api', () => import('@engagement/plugin-api')],
    ['@engagement/event-bus', () => import('@engagement/event-bus')],
  ])('lists exactly the values %s exports at run time', async (entry, load) => {
    const report = entries.find((e) => e.entry === entry)!;
    const values = report.exports.filter(([, kind]) => VALUE_KINDS.has(kind)).map(([name]) => name);
    expect(values.sort()).toEqual(Object.keys(await load()).sort());
  });

  it('keeps plugin-api free of runtime dependencies', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../packages/plugin-api/package.json', import.meta.url), 'utf8'),
    );
    expect(pkg.dependencies ?? {}).toEqual({});
  });
});
