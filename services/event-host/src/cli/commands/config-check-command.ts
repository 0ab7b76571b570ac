import { truthPlan } from '@engagement/event-bus/truth';
import { resolveConfig } from '../../config/load-config.js';
import { maskUrlsIn, shownValue } from '../../config/mask-secrets.js';
import { assertDeclaredTables } from '../../host/declared-tables.js';
import { inspectConfiguredPlugins } from '../../host/host-provisions.js';
import { checkDeclaredTables, timeZoneWarning } from '../../host/table-facts.js';
import { println } from '../cli-context.js';
import { defineCommand } from '../command-table.js';

/**
 * `event-host config check`: validates settings, loads the plugins (without connecting anywhere), then runs
 * boot's check of the tables the listeners declare (reading Postgres' information_schema and the topic list,
 * each bounded): a table that exists nowhere fails it with `EH_PLUGIN_TABLE_UNKNOWN` (exit 78).
 */
export const configCheckCommand = defineCommand({
  name: 'config check',
  summary: 'validate the configuration and the plugins, print the settings',
  options: { json: { kind: 'flag', help: 'print the settings, plugins and table check as JSON' } },
  async run(ctx, { json }) {
    const { config, settings, file } = resolveConfig({
      env: ctx.env,
      file: ctx.configFile,
      purpose: 'start',
    });
    // The database client connects lazily: checking the plugin graph opens no connection.
    const packages = await inspectConfiguredPlugins(config, ctx.importer);
    const shown = settings.map(({ setting, value, source }) => ({
      env: setting.env,
      path: setting.path,
      source,
      value: shownValue(setting, value),
    }));
    const plugins = packages.flatMap((pkg) =>
      pkg.plugins.map((p) => ({
        package: pkg.packageName,
        id: p.id,
        owner: p.owner,
        listeners: p.listeners.map((l) => l.id),
      })),
    );
    const tables = await checkDeclaredTables(
      config,
      packages.flatMap((pkg) => pkg.plugins),
    );
    // Errors from a source may quote a URL: masked like every other printed setting.
    for (const [source, why] of Object.entries(tables.unknown))
      tables.unknown[source as keyof typeof tables.unknown] = maskUrlsIn(why);
    for (const f of tables.findings) println(ctx.stderr, `${f.level}: ${f.message}`);
    const zone = timeZoneWarning(tables.postgresTimeZone);
    if (zone) println(ctx.stderr, `warning: ${zone}`);
    assertDeclaredTables(tables.findings);
    // Not an error (the host runs them), but reconcile cannot check their metrics and exits 3 over them.
    const { notReconcilable } = truthPlan(packages.flatMap((pkg) => pkg.plugins));
    for (const n of notReconcilable)
      println(
        ctx.stderr,
        `warning: listener "${n.listenerId}" of plugin "${n.pluginId}": ${n.reason} (metrics reconcile reports it as not reconcilable and exits 3; docs/writing-a-listener.md, "Its truth")`,
      );
    if (json) {
      println(
        ctx.stdout,
        JSON.stringify(
          { ok: true, file: file ?? null, settings: shown, plugins, tables, notReconcilable },
          null,
          2,
        ),
      );
      return 0;
    }
    println(ctx.stdout, `configuration OK${file ? ` (file ${file})` : ''}`);
    for (const s of shown) {
      if (s.source === 'unset') continue;
      println(ctx.stdout, `  ${s.env.padEnd(42)} ${JSON.stringify(s.value)}  [${s.source}]`);
    }
    println(ctx.stdout, 'plugins:');
    for (const p of plugins)
      println(ctx.stdout, `  ${p.package} → ${p.id} (${p.owner}): ${p.listeners.join(', ')}`);
    const warnings = tables.findings.length;
    // "OK" only when something was read to check against: unreachable sources are listed below instead.
    const unchecked = Object.keys(tables.unknown).length;
    const verdict =
      warnings > 0
        ? `${warnings} warning(s), above`
        : unchecked > 0
          ? `no problem found, ${unchecked} source(s) not checked`
          : 'OK';
    println(ctx.stdout, `declared tables: ${verdict}`);
    for (const [source, why] of Object.entries(tables.unknown))
      println(ctx.stdout, `  not checked against ${source}: ${why}`);
    return 0;
  },
});
