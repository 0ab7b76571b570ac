import { clickhouseSourceRoutes } from '@engagement/app-db/clickhouse';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { clickhouseTopics } from './json-settings.js';
import { SETTINGS } from './settings.js';

describe('the settings table', () => {
  it('gives every setting its own variable and file key', () => {
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.map((s) => s.path)).size).toBe(SETTINGS.length);
    expect(SETTINGS.find((s) => s.path === 'batch.flushRows')?.env).toBe('EVENT_HOST_BATCH_FLUSH_ROWS');
    expect(SETTINGS.find((s) => s.path === 'plugins.packages')?.env).toBe('EVENT_HOST_PLUGINS');
  });

  // Defaults are not validated at boot, so a default its own schema refuses would only show when set by hand.
  it.each(SETTINGS.filter((s) => s.default !== undefined).map((s) => [s.path, s] as const))(
    'the default of %s passes its own schema',
    (_path, setting) => {
      const parsed = v.safeParse(setting.schema, setting.default);
      expect(parsed.issues?.map((i) => i.message) ?? []).toEqual([]);
      expect(parsed.output).toEqual(setting.default);
    },
  );

  it('accepts the app source routes under any topic prefix the tests and benches use', () => {
    for (const prefix of ['clickhouse', 'it-1a2b.ch', 'bench_backfill.ch']) {
      const routes = clickhouseSourceRoutes(prefix);
      expect(v.safeParse(clickhouseTopics, JSON.stringify(routes)).output).toEqual(routes);
    }
  });
});
