import { loadConfig } from '../../config/load-config.js';
import { EXIT } from '../../errors.js';
import { hostProvisions, PROVIDED_BY_SETTING } from '../../host/host-provisions.js';
import { loadPlugins } from '../../plugins/load-plugins.js';
import { withLoadedSettings } from '../../plugins/settings-provisions.js';
import { dryRunReplay, type ReplayResult } from '../../replay/dry-run-replay.js';
import { readReplayFile } from '../../replay/read-replay-file.js';
import { println } from '../cli-context.js';
import { defineCommand } from '../command-table.js';

/**
 * `event-host replay --dry-run FILE`: metric events as JSONL on stdout; touches for recompute and dead
 * letters (as JSON) and a summary on stderr. Exit 3 when some record was dead-lettered.
 */
export const replayCommand = defineCommand({
  name: 'replay',
  operands: { name: 'FILE', min: 1, max: 1 },
  summary:
    'run Kafka records from a JSONL file through the plugins on in-memory sinks; print the metric\n' +
    'events as JSONL (writes nothing anywhere)',
  options: {
    'dry-run': {
      kind: 'flag',
      required: true,
      help: 'required: replay writes nothing anywhere, and you say you know',
    },
  },
  async run(ctx, _args, [file]) {
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
        records: readReplayFile(file!),
        plugins: packages.flatMap((p) => p.plugins),
        config,
        provisions: withLoadedSettings(host.provisions, packages),
      });
    } finally {
      await host.close();
    }
    for (const e of result.events) {
      println(ctx.stdout, JSON.stringify({ ...e, createdAt: e.createdAt.toISOString() }));
    }
    // Touches are not metric events: they ask the host's recomputer to recount an entity from the source.
    for (const touch of result.touches) println(ctx.stderr, JSON.stringify({ touch }));
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
      `replayed ${result.records} record(s): ${result.events.length} metric event(s), ${result.touches.length} touch(es) for recompute, ${result.skipped} skipped, ${result.deadLetters.length} dead letter(s); nothing was written`,
    );
    return result.deadLetters.length > 0 ? EXIT.attention : EXIT.ok;
  },
});
