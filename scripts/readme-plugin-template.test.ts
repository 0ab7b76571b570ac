import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import config from '../vitest.config.js';

// The README's "Your first plugin" is copied by teams starting a listener package: its template must run
// its tests the way this repository's own plugin package does.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('## Your first plugin');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
const json = /```json\n([\s\S]*?)```/.exec(section)![1]!;
const template = JSON.parse(json) as { name: string; scripts?: Record<string, string> };
const listeners = JSON.parse(
  readFileSync(new URL('../packages/metric-listeners/package.json', import.meta.url), 'utf8'),
) as { name: string; version: string; scripts: Record<string, string> };

describe("the README's plugin template", () => {
  it('has a test script running its unit tests from the root, as packages/metric-listeners has', () => {
    const folder = template.name.split('/')[1];
    expect(template.scripts?.test).toBe(
      listeners.scripts.test!.replace('packages/metric-listeners/', `packages/${folder}/`),
    );
  });

  it('says where its tests live: where the unit project looks for them', () => {
    const unit = config.test?.projects?.find(
      (p) => typeof p === 'object' && 'test' in p && p.test?.name === 'unit',
    ) as { test: { include: string[] } };
    expect(unit.test.include).toContain('packages/*/src/**/*.test.ts');
    expect(section).toContain('`src/**/*.test.ts`');
    expect(section).toContain('`packages/*/src/**/*.test.ts`');
  });

  it('names the dependency defineMetricListener comes with', () => {
    expect(section).toContain('defineMetricListener');
    expect(section).toContain(`"${listeners.name}": "${listeners.version}"`);
  });
});
