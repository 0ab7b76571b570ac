import { loadConfig } from '../../config/load-config.js';
import { EXIT, HostError } from '../../errors.js';
import { hostProvisions, PROVIDED_BY_SETTING } from '../../host/host-provisions.js';
import { loadPlugins } from '../../plugins/load-plugins.js';
import { dryRunReplay, type ReplayResult } from '../../replay/dry-run-replay.js';
import { readReplayFile } from '../../replay/read-replay-file.js';
import { type CliContext, println } from '../cli-context.js';

/**
 * `event-host replay --dry-run FILE`: metric events as JSONL on stdout; dead letters (as JSON) and a
 * summary on stderr. Exit 3 when some record was dead-lettered.
 */
export async function replayCommand(ctx: CliContext): Promise<number> {
  const files = ctx.args.filter((a) => !a.startsWith('--'));
  const flags = ctx.args.filter((a) => a.startsWith('--'));
  if (!flags.includes('--dry-run')) {
    throw new HostError(
      'EH_USAGE',
      'replay writes nothing and needs --dry-run: event-host replay --dry-run FILE',
    );
  }
  const unknown = flags.filter((f) => f !== '--dry-run');
  if (unknown.length) throw new HostError('EH_USAGE', `replay: unknown option ${unknown.join(' ')}`);
  if (files.length !== 1)
    throw new HostError('EH_USAGE', 'replay needs exactly one FILE (JSONL of Kafka records)');
  const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'replay' });
  const host = hostProvisions(config, { dryRun: true });
  let result: ReplayResult;
  try {
    const packages = await loadPlugins(config.plugins.packages, {
      settings: config.plugins.settings,
      hostTokens: host.provisions.map((p) => p.token),
      providedBySetting: PROVIDED_BY_SETTING,
    });
    result = await dryRunReplay({
      records: readReplayFile(files[0]!),
      plugins: packages.flatMap((p) => p.plugins),
      config,
      provisions: host.provisions,
    });
  } finally {
    await host.close();
  }
  for (const e of result.events) {
    println(ctx.stdout, JSON.stringify({ ...e, createdAt: e.createdAt.toISOString() }));
  }
  for (const { record, reason } of result.deadLetters) {
    println(
      ctx.stderr,
      JSON.stringify({
        deadLetter: { topic: record.topic, partition: record.partition, offset: record.offset, ...reason },
      }),
    );
  }
  println(
    ctx.stderr,
    `replayed ${result.records} record(s): ${result.events.length} metric event(s), ${result.skipped} skipped, ${result.deadLetters.length} dead letter(s); nothing was written`,
  );
  return result.deadLetters.length > 0 ? EXIT.attention : EXIT.ok;
}
