import { resolveConfig } from '../../config/load-config.js';
import { shownValue } from '../../config/mask-secrets.js';
import { hostProvisions, PROVIDED_BY_SETTING } from '../../host/host-provisions.js';
import { loadPlugins } from '../../plugins/load-plugins.js';
import { type CliContext, println } from '../cli-context.js';

/** `event-host config check`: validates settings and loads the plugins (without connecting anywhere). */
export async function configCheckCommand(ctx: CliContext): Promise<number> {
  const json = ctx.args.includes('--json');
  const { config, settings, file } = resolveConfig({ env: ctx.env, file: ctx.configFile, purpose: 'start' });
  // The database client connects lazily: checking the plugin graph opens no connection.
  const host = hostProvisions(config);
  const packages = await loadPlugins(config.plugins.packages, {
    settings: config.plugins.settings,
    hostTokens: host.provisions.map((p) => p.token),
    providedBySetting: PROVIDED_BY_SETTING,
  }).finally(() => host.close());
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
  if (json) {
    println(ctx.stdout, JSON.stringify({ ok: true, file: file ?? null, settings: shown, plugins }, null, 2));
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
  return 0;
}
