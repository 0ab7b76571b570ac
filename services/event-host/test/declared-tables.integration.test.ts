// A listener declaring a table that does not exist (`CommentsV2` for `CommentV2`) stops `start` and
// `config check` on the real stack: its Postgres schema has no such table, and no Debezium topic holds it.
import { defineListener, definePlugin } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { HostError } from '../src/errors.js';
import { createEventHost } from '../src/host/create-event-host.js';
import { hostEnv } from './host-fixtures.js';
import { runCliCaptured } from './run-cli-captured.js';

const listener = (id: string, table: string) =>
  defineListener({ id, tables: [table], canHandle: () => true, handle: () => {}, truth: [] });
const typoPlugin = definePlugin({
  id: 'comment-v2-metrics',
  owner: '@team/test',
  listeners: [listener('comment-v2.count', 'CommentsV2'), listener('image.count', 'ImageReaction')],
});
const PACKAGE = '@test/comment-v2-metrics';

// Default topics (the listeners' tables), the stack's own Debezium prefix: what a deployment would run.
const env = () => {
  const e = hostEnv('tables', { EVENT_HOST_PLUGINS: PACKAGE });
  delete e.EVENT_HOST_KAFKA_TOPICS;
  delete e.EVENT_HOST_DEBEZIUM_TOPIC_PREFIX;
  return e;
};

describe('a declared table that does not exist', () => {
  it('stops start with EH_PLUGIN_TABLE_UNKNOWN naming listener, table and the closest name', async () => {
    const host = await createEventHost({
      config: loadConfig({ env: env() }),
      plugins: [{ packageName: PACKAGE, plugins: [typoPlugin] }],
    });
    try {
      const started = host.start();
      await expect(started).rejects.toThrow(HostError);
      const error = (await started.catch((e: unknown) => e)) as HostError;
      expect(error.code).toBe('EH_PLUGIN_TABLE_UNKNOWN');
      expect(error.message).toContain(
        'listener "comment-v2.count" (plugin "comment-v2-metrics") declares table "CommentsV2"',
      );
      expect(error.message).toContain('no table in Postgres schema "public"');
      expect(error.message).toContain('(did you mean CommentV2?)');
      // The existing table of the other listener is not named.
      expect(error.message).not.toContain('"ImageReaction"');
      expect(host.url).toBeUndefined();
    } finally {
      await host.stop();
    }
  });

  it('fails config check with exit 78 and the same message; the fixed name passes', async () => {
    const importer = (plugin: typeof typoPlugin) => async (name: string) =>
      name === PACKAGE ? { plugins: [plugin] } : import(name);
    const bad = await runCliCaptured(['config', 'check'], env(), importer(typoPlugin));
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('EH_PLUGIN_TABLE_UNKNOWN');
    expect(bad.stderr).toContain('declares table "CommentsV2"');
    expect(bad.stderr).toContain('(did you mean CommentV2?)');

    const fixed = definePlugin({
      ...typoPlugin,
      listeners: [listener('comment-v2.count', 'CommentV2'), listener('image.count', 'ImageReaction')],
    });
    const good = await runCliCaptured(['config', 'check'], env(), importer(fixed));
    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('declared tables: OK');

    // The same database seen through a session in another time zone: windows would shift, so it warns.
    const url = new URL(env().EVENT_HOST_POSTGRES_URL!);
    url.searchParams.set('options', '-c TimeZone=America/New_York');
    const zoned = await runCliCaptured(
      ['config', 'check'],
      { ...env(), EVENT_HOST_POSTGRES_URL: url.toString() },
      importer(fixed),
    );
    expect(zoned.stderr).toContain('warning: Postgres TimeZone is America/New_York, not UTC');
    expect(zoned.code).toBe(0);
  });
});
