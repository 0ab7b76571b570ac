import { Kafka, logLevel } from 'kafkajs';
import type { HostConfig } from '../../config/host-config.js';
import { loadConfig } from '../../config/load-config.js';
import { DeadLetterTopic } from '../../dlq/dead-letter-topic.js';
import { HostError } from '../../errors.js';
import { type CliContext, println } from '../cli-context.js';

function dlqOf(config: HostConfig): DeadLetterTopic {
  const kafka = new Kafka({
    clientId: `${config.kafka.clientId}-dlq`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  return new DeadLetterTopic(kafka, config.kafka.deadLetterTopic, config.kafka.groupId);
}

function flags(ctx: CliContext, allowed: string[]): { limit?: number; has(flag: string): boolean } {
  const out: { limit?: number } = {};
  const seen = new Set<string>();
  for (let i = 0; i < ctx.args.length; i++) {
    const a = ctx.args[i]!;
    if (a === '--limit') {
      const n = Number(ctx.args[++i]);
      if (!Number.isInteger(n) || n < 1) throw new HostError('EH_USAGE', '--limit needs a positive integer');
      out.limit = n;
    } else if (allowed.includes(a)) seen.add(a);
    else throw new HostError('EH_USAGE', `unknown argument "${a}"`);
  }
  return { ...out, has: (f) => seen.has(f) };
}

/** `event-host dlq list [--limit N] [--json]`: one line (or JSON object) per dead letter. */
export async function dlqListCommand(ctx: CliContext): Promise<number> {
  const f = flags(ctx, ['--json']);
  const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'dlq' });
  const letters = await dlqOf(config).list(f.limit);
  for (const l of letters) {
    const shown = {
      at: `${l.partition}:${l.offset}`,
      state: l.redriven ? 'redriven' : 'pending',
      failedAt: l.failedAt,
      code: l.code,
      listener: l.listener ?? null,
      source: `${l.source.topic}:${l.source.partition}:${l.source.offset}`,
      attempts: l.attempts,
      message: l.message,
    };
    if (f.has('--json')) println(ctx.stdout, JSON.stringify(shown));
    else
      println(
        ctx.stdout,
        `${shown.at.padEnd(8)} ${shown.state.padEnd(8)} ${shown.failedAt}  ${shown.code}  ${shown.listener ?? '(decode)'}  ${shown.source}  ${shown.message}`,
      );
  }
  if (!f.has('--json')) {
    const pending = letters.filter((l) => !l.redriven).length;
    println(
      ctx.stderr,
      `${letters.length} dead letter(s) in ${config.kafka.deadLetterTopic}, ${pending} pending redrive`,
    );
  }
  return 0;
}

/** `event-host dlq redrive [--limit N] [--dry-run]`: re-sends pending letters, each once. */
export async function dlqRedriveCommand(ctx: CliContext): Promise<number> {
  const f = flags(ctx, ['--dry-run']);
  const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'dlq' });
  const dryRun = f.has('--dry-run');
  const letters = await dlqOf(config).redrive({ limit: f.limit, dryRun });
  for (const l of letters) {
    println(
      ctx.stdout,
      `${dryRun ? 'would redrive' : 'redriven'} ${l.partition}:${l.offset} → ${l.source.topic}:${l.source.partition} for ${l.listener ?? 'all listeners'}`,
    );
  }
  println(ctx.stderr, `${letters.length} dead letter(s) ${dryRun ? 'would be ' : ''}redriven`);
  return 0;
}
