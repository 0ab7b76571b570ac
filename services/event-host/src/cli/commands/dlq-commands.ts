import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { HostConfig } from '../../config/host-config.js';
import { loadConfig } from '../../config/load-config.js';
import { parsePosition } from '../../dlq/dead-letter.js';
import {
  type DeadLetterCounts,
  type DeadLetterFilter,
  DeadLetterTopic,
  type ListedDeadLetter,
} from '../../dlq/dead-letter-topic.js';
import { KafkaDeadLetterStore } from '../../dlq/kafka-dead-letter-store.js';
import { EXIT, HostError } from '../../errors.js';
import { type CliContext, println } from '../cli-context.js';

function dlqOf(config: HostConfig): DeadLetterTopic {
  const kafka = new Kafka({
    clientId: `${config.kafka.clientId}-dlq`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  return new DeadLetterTopic(
    new KafkaDeadLetterStore(kafka, config.kafka.deadLetterTopic, config.kafka.groupId),
  );
}

const FILTER_OPTIONS = {
  listener: { type: 'string' },
  code: { type: 'string' },
  topic: { type: 'string' },
} as const;

type Options = Record<string, { type: 'string' | 'boolean' }>;

function parse<O extends Options>(ctx: CliContext, options: O, positionals = 0) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: ctx.args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new HostError('EH_USAGE', (error as Error).message);
  }
  if (parsed.positionals.length > positionals) {
    throw new HostError('EH_USAGE', `unexpected argument "${parsed.positionals[positionals]}"`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new HostError('EH_USAGE', '--limit needs a positive integer');
  }
  const filter: DeadLetterFilter = {};
  if (typeof values.listener === 'string') filter.listener = values.listener;
  if (typeof values.code === 'string') filter.code = values.code;
  if (typeof values.topic === 'string') filter.sourceTopic = values.topic;
  return { values, positionals: parsed.positionals, limit, filter };
}

const hasFilter = (f: DeadLetterFilter) => Object.keys(f).length > 0;

/** Opens the configured dead-letter topic, runs `run` on it and closes it. */
function withDlq(run: (ctx: CliContext, dlq: DeadLetterTopic) => Promise<number>) {
  return async (ctx: CliContext): Promise<number> => {
    const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'dlq' });
    const dlq = dlqOf(config);
    try {
      return await run(ctx, dlq);
    } finally {
      await dlq.close();
    }
  };
}

function summaryRow(l: ListedDeadLetter) {
  return {
    position: l.position,
    state: l.state,
    failedAt: l.failedAt,
    code: l.code,
    causeCode: l.causeCode ?? null,
    listener: l.listener ?? null,
    source: `${l.source.topic}:${l.source.partition}:${l.source.offset}`,
    attempts: l.attempts,
    message: l.message,
  };
}

/** `EB_LISTENER_FAILED/ML_RELATED_ROW_MISSING`: the code, and the cause's code when there is one. */
const codeText = (l: { code: string; causeCode?: string | null }) =>
  l.causeCode ? `${l.code}/${l.causeCode}` : l.code;

const countsText = (c: DeadLetterCounts) =>
  `${c.pending} pending, ${c.redriven} redriven, ${c.discarded} discarded`;

/**
 * `event-host dlq list [--listener L] [--code C] [--topic T] [--limit N] [--json]`: one line (or JSON
 * object) per matching letter, at most N; the counts on stderr are over every letter whatever the limit.
 */
export async function runDlqList(ctx: CliContext, dlq: DeadLetterTopic): Promise<number> {
  const { values, limit, filter } = parse(ctx, {
    ...FILTER_OPTIONS,
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  const listing = await dlq.list({ filter, limit });
  const rows = listing.letters.map(summaryRow);
  if (values.json) {
    for (const r of rows) println(ctx.stdout, JSON.stringify(r));
    println(
      ctx.stderr,
      JSON.stringify({ topic: dlq.topic, all: listing.all, matched: listing.matched, shown: rows.length }),
    );
    return EXIT.ok;
  }
  for (const r of rows) {
    println(
      ctx.stdout,
      `${r.position}  ${r.state.padEnd(9)} ${r.failedAt}  ${codeText(r)}  ${r.listener ?? '(decode)'}  ${r.source}  ${r.message}`,
    );
  }
  let summary = `${listing.all.total} dead letter(s) in ${dlq.topic}: ${countsText(listing.all)}`;
  if (hasFilter(filter)) summary += `; ${listing.matched.total} match (${countsText(listing.matched)})`;
  if (rows.length < listing.matched.total) summary += `; ${rows.length} shown (--limit ${limit})`;
  println(ctx.stderr, summary);
  return EXIT.ok;
}

function payloadOf(value: Buffer | null): { payload: unknown; text: string } {
  if (value === null) return { payload: null, text: '(null: a tombstone)' };
  const text = value.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(value)) {
    return {
      payload: { base64: value.toString('base64') },
      text: `(binary, base64) ${value.toString('base64')}`,
    };
  }
  try {
    const json = JSON.parse(text) as unknown;
    return { payload: json, text: JSON.stringify(json, null, 2) };
  } catch {
    return { payload: text, text };
  }
}

/** `event-host dlq show POSITION [--json]`: a letter's reason, attempts, headers, key and payload. */
export async function runDlqShow(ctx: CliContext, dlq: DeadLetterTopic): Promise<number> {
  const { values, positionals } = parse(ctx, { json: { type: 'boolean' } }, 1);
  const position = positionals[0] && parsePosition(positionals[0], dlq.topic);
  if (!position) throw new HostError('EH_USAGE', 'dlq show needs a position: topic/partition/offset');
  const l = await dlq.show(position);
  if (!l) throw new HostError('EH_DLQ_LETTER_NOT_FOUND', `no dead letter at ${position}`);
  const { payload, text } = payloadOf(l.value);
  const shown = {
    ...summaryRow(l),
    mark: l.mark ?? null,
    headers: l.headers,
    key: l.key === null ? null : l.key.toString('utf8'),
    payload,
  };
  if (values.json) {
    println(ctx.stdout, JSON.stringify(shown, null, 2));
    return EXIT.ok;
  }
  const lines = [
    `position   ${shown.position}`,
    `state      ${shown.state}${l.mark ? ` (${l.mark.at}${l.mark.note ? `: ${l.mark.note}` : ''})` : ''}`,
    `failed at  ${shown.failedAt}`,
    `error      ${shown.code}: ${shown.message}`,
    ...(shown.causeCode ? [`cause code ${shown.causeCode}`] : []),
    `listener   ${shown.listener ?? '(none: the record could not be decoded)'}`,
    `source     ${shown.source}`,
    `attempts   ${shown.attempts}`,
    'headers',
    ...Object.entries(l.headers).map(([k, v]) => `  ${k}: ${v}`),
    `key        ${shown.key ?? '(null)'}`,
    'payload',
    text,
  ];
  for (const line of lines) println(ctx.stdout, line);
  return EXIT.ok;
}

/**
 * `event-host dlq discard POSITION | --listener L --code C --topic T [--reason TEXT] [--json]`: marks
 * pending letters discarded, so `list` shows them as such and `redrive` never sends them.
 */
export async function runDlqDiscard(ctx: CliContext, dlq: DeadLetterTopic): Promise<number> {
  const { values, positionals, filter } = parse(
    ctx,
    { ...FILTER_OPTIONS, reason: { type: 'string' }, json: { type: 'boolean' } },
    1,
  );
  const note = typeof values.reason === 'string' ? values.reason : undefined;
  let selector: { position: string } | { filter: DeadLetterFilter };
  if (positionals[0] !== undefined) {
    if (hasFilter(filter))
      throw new HostError('EH_USAGE', 'dlq discard takes a position or filters, not both');
    const position = parsePosition(positionals[0], dlq.topic);
    if (!position)
      throw new HostError('EH_USAGE', `not a position: "${positionals[0]}" (topic/partition/offset)`);
    selector = { position };
  } else if (hasFilter(filter)) {
    selector = { filter };
  } else {
    throw new HostError(
      'EH_USAGE',
      'dlq discard needs a position or at least one of --listener, --code, --topic',
    );
  }
  const { discarded, skipped } = await dlq.discard(selector, note);
  if ('position' in selector && discarded.length + skipped.length === 0) {
    throw new HostError('EH_DLQ_LETTER_NOT_FOUND', `no dead letter at ${selector.position}`);
  }
  if (values.json) {
    println(
      ctx.stdout,
      JSON.stringify({
        discarded: discarded.map((l) => l.position),
        skipped: skipped.map((l) => ({ position: l.position, state: l.state })),
      }),
    );
    return EXIT.ok;
  }
  for (const l of discarded)
    println(ctx.stdout, `discarded ${l.position}  ${codeText(l)}  ${l.listener ?? '(decode)'}`);
  for (const l of skipped) println(ctx.stdout, `skipped ${l.position}: already ${l.state}`);
  println(ctx.stderr, `${discarded.length} dead letter(s) discarded, ${skipped.length} skipped`);
  return EXIT.ok;
}

/**
 * `event-host dlq redrive [--listener L] [--code C] [--topic T] [--limit N] [--dry-run] [--json]`: re-sends
 * pending letters, each once; `--dry-run` only prints what it would re-send.
 */
export async function runDlqRedrive(ctx: CliContext, dlq: DeadLetterTopic): Promise<number> {
  const { values, limit, filter } = parse(ctx, {
    ...FILTER_OPTIONS,
    limit: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const dryRun = values['dry-run'] === true;
  const letters = await dlq.redrive({ filter, limit, dryRun });
  if (values.json) {
    println(
      ctx.stdout,
      JSON.stringify({
        dryRun,
        redriven: letters.map((l) => ({
          position: l.position,
          to: `${l.source.topic}:${l.source.partition}`,
          listener: l.listener ?? null,
        })),
      }),
    );
    return EXIT.ok;
  }
  for (const l of letters) {
    println(
      ctx.stdout,
      `${dryRun ? 'would redrive' : 'redriven'} ${l.position} → ${l.source.topic}:${l.source.partition} for ${l.listener ?? 'all listeners'}`,
    );
  }
  println(ctx.stderr, `${letters.length} dead letter(s) ${dryRun ? 'would be ' : ''}redriven`);
  return EXIT.ok;
}

export const dlqListCommand = withDlq(runDlqList);
export const dlqShowCommand = withDlq(runDlqShow);
export const dlqDiscardCommand = withDlq(runDlqDiscard);
export const dlqRedriveCommand = withDlq(runDlqRedrive);
