import { defineListener, definePlugin } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../test/run-cli-captured.js';

const run = (argv: string[], env: Record<string, string> = {}) => runCliCaptured(argv, env);

const valid = {
  EVENT_HOST_KAFKA_BROKERS: '127.0.0.1:1',
  EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
  EVENT_HOST_REDIS_URL: 'redis://127.0.0.1:1',
  EVENT_HOST_CLICKHOUSE_URL: 'http://127.0.0.1:1',
  EVENT_HOST_POSTGRES_URL: 'postgres://127.0.0.1:1/app',
};

describe('event-host CLI', () => {
  it('start stops at boot with exit 78 and names each bad setting (before connecting anywhere)', async () => {
    const out = await run(['start'], {
      ...valid,
      EVENT_HOST_REDIS_URL: 'localhost',
      EVENT_HOST_SHUTDOWN_DEADLINE_MS: '5s',
    });
    expect(out.code).toBe(78);
    expect(out.stderr).toContain('EH_CONFIG_INVALID');
    expect(out.stderr).toContain(
      'EVENT_HOST_REDIS_URL (redis.url in a config file): expected a redis:// or rediss:// URL, got a value without "scheme://" (9 characters, not shown: it may hold a secret)',
    );
    expect(out.stderr).toContain(
      'EVENT_HOST_SHUTDOWN_DEADLINE_MS (shutdown.deadlineMs in a config file): expected an integer',
    );
  });

  it('start stops at boot with exit 78 when a plugin package is missing, naming it', async () => {
    const out = await run(['start'], {
      ...valid,
      EVENT_HOST_PLUGINS: '@engagement/metric-listeners,@engagement/no-such-plugins',
    });
    expect(out.code).toBe(78);
    expect(out.stderr).toContain(
      'EH_PLUGIN_PACKAGE_NOT_FOUND: plugin package "@engagement/no-such-plugins" is not installed',
    );
  });

  it('config check validates settings and the plugin graph', async () => {
    const ok = await run(['config', 'check', '--json'], valid);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.plugins.map((p: { id: string }) => p.id)).toContain('image-metrics');
    // No user info to mask: the URL is shown as it is (secrets: mask-secrets.test.ts).
    expect(report.settings.find((s: { env: string }) => s.env === 'EVENT_HOST_POSTGRES_URL').value).toBe(
      'postgres://127.0.0.1:1/app',
    );
    const missing = await run(['config', 'check'], { ...valid, EVENT_HOST_POSTGRES_URL: '' });
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain(
      'EB_DEPENDENCY_MISSING: plugin "app-lookups": service lookups.image needs app.db, which nobody provides (the host provides it when EVENT_HOST_POSTGRES_URL is set)',
    );
  });

  it('config check warns about a listener without a truth, which reconcile cannot check', async () => {
    const plugins = [
      definePlugin({
        id: 'bookmarks',
        owner: '@team/t',
        listeners: [
          defineListener({
            id: 'bookmarks.count',
            tables: ['ImageReaction'],
            canHandle: () => true,
            handle() {},
          }),
        ],
      }),
    ];
    const out = await runCliCaptured(
      ['config', 'check', '--json'],
      { ...valid, EVENT_HOST_PLUGINS: '@team/bookmarks', EVENT_HOST_POSTGRES_URL: '' },
      async () => ({ plugins }),
    );
    expect(out.code).toBe(0);
    expect(out.stderr).toContain(
      'warning: listener "bookmarks.count" of plugin "bookmarks": declares no truth: its metrics cannot be computed from the source to compare with (metrics reconcile reports it as not reconcilable and exits 3;',
    );
    expect(JSON.parse(out.stdout).notReconcilable).toEqual([
      { pluginId: 'bookmarks', listenerId: 'bookmarks.count', reason: expect.stringContaining('no truth') },
    ]);
    // The repository's listeners all declare theirs.
    const ours = await run(['config', 'check', '--json'], valid);
    expect([ours.stderr.includes('warning: listener'), JSON.parse(ours.stdout).notReconcilable]).toEqual([
      false,
      [],
    ]);
  });

  it('answers usage errors with exit 2', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['--help'])).code).toBe(0);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect((await run(['dlq', 'list', '--limit', 'none'], valid)).stderr).toContain(
      '--limit needs a positive integer',
    );
    expect((await run(['metrics', 'drift', '--sample', '0'], valid)).code).toBe(2);
  });
});
