import { Kafka, logLevel } from 'kafkajs';
import type { HostConfig } from '../../config/host-config.js';
import { loadConfig } from '../../config/load-config.js';
import {
  type DeadLetterCounts,
  type DeadLetterFilter,
  DeadLetterTopic,
  type ListedDeadLetter,
} from '../../dlq/dead-letter-topic.js';
import { KafkaDeadLetterStore } from '../../dlq/kafka-dead-letter-store.js';
import type { CliContext } from '../cli-context.js';
import { type CommandSpec, type OptionSpec, type OptionValues, parseCommandArgs } from '../command-table.js';

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

/** The filters `list`, `discard` and `redrive` share. */
export const FILTER_OPTIONS = {
  listener: { kind: 'text', value: 'ID', help: 'letters of this listener (none: the undecodable records)' },
  code: { kind: 'text', value: 'CODE', help: 'letters with this error code or cause code' },
  topic: { kind: 'text', value: 'SOURCE_TOPIC', help: 'letters of records from this source topic' },
} as const satisfies Record<string, OptionSpec>;

export function filterOf(values: { listener?: string; code?: string; topic?: string }): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  if (values.listener !== undefined) filter.listener = values.listener;
  if (values.code !== undefined) filter.code = values.code;
  if (values.topic !== undefined) filter.sourceTopic = values.topic;
  return filter;
}

export const hasFilter = (f: DeadLetterFilter) => Object.keys(f).length > 0;

/** A `dlq` command: what it does with the dead-letter topic, which `run` opens from the configuration. */
export interface DlqCommand<O extends Record<string, OptionSpec>> extends CommandSpec<O> {
  use(ctx: CliContext, dlq: DeadLetterTopic, values: OptionValues<O>, operands: string[]): Promise<number>;
}

export function dlqCommand<O extends Record<string, OptionSpec>>(
  spec: Omit<DlqCommand<O>, 'run'>,
): DlqCommand<O> {
  return {
    ...spec,
    async run(ctx, values, operands) {
      const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'dlq' });
      const dlq = dlqOf(config);
      try {
        return await spec.use(ctx, dlq, values, operands);
      } finally {
        await dlq.close();
      }
    },
  };
}

/** Parses `ctx.args` for a `dlq` command and runs it on `dlq` (tests pass an in-memory topic). */
export function runOnDeadLetters<O extends Record<string, OptionSpec>>(
  command: DlqCommand<O>,
  ctx: CliContext,
  dlq: DeadLetterTopic,
): Promise<number> {
  const { values, operands } = parseCommandArgs(command, ctx.args);
  return command.use(ctx, dlq, values, operands);
}

/** What `list` prints of a letter and `show` starts from. */
export function summaryRow(l: ListedDeadLetter) {
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
export const codeText = (l: { code: string; causeCode?: string | null }) =>
  l.causeCode ? `${l.code}/${l.causeCode}` : l.code;

export const countsText = (c: DeadLetterCounts) =>
  `${c.pending} pending, ${c.redriven} redriven, ${c.discarded} discarded`;
