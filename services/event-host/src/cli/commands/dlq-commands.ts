import { parsePosition } from '../../dlq/dead-letter.js';
import type { DeadLetterFilter } from '../../dlq/dead-letter-topic.js';
import { EXIT, HostError } from '../../errors.js';
import { println } from '../cli-context.js';
import {
  codeText,
  countsText,
  dlqCommand,
  FILTER_OPTIONS,
  filterOf,
  hasFilter,
  summaryRow,
} from './dlq-command.js';

export { type DlqCommand, runOnDeadLetters } from './dlq-command.js';

/**
 * `event-host dlq list`: one line (or JSON object) per matching letter, at most N; the counts on stderr are
 * over every letter whatever the limit.
 */
export const dlqListCommand = dlqCommand({
  name: 'dlq list',
  summary:
    'list the dead letters: position, pending/redriven/discarded, reason; the counts cover every\n' +
    'letter, --limit only limits the rows',
  options: {
    ...FILTER_OPTIONS,
    limit: { kind: 'count', value: 'N', help: 'print at most N letters' },
    json: { kind: 'flag', help: 'one JSON object per letter; the counts as JSON on stderr' },
  },
  async use(ctx, dlq, values) {
    const { limit } = values;
    const filter = filterOf(values);
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
  },
});

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

/** `event-host dlq show POSITION`: a letter's reason, attempts, headers, key and payload. */
export const dlqShowCommand = dlqCommand({
  name: 'dlq show',
  operands: { name: 'POSITION', min: 1, max: 1 },
  summary: 'one letter: error, attempts, headers, key and payload (POSITION: topic/partition/offset)',
  options: { json: { kind: 'flag', help: 'print the letter as JSON' } },
  async use(ctx, dlq, values, [given]) {
    const position = given && parsePosition(given, dlq.topic);
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
  },
});

/**
 * `event-host dlq discard POSITION | FILTERS`: marks pending letters discarded, so `list` shows them as such
 * and `redrive` never sends them.
 */
export const dlqDiscardCommand = dlqCommand({
  name: 'dlq discard',
  operands: { name: 'POSITION', min: 0, max: 1 },
  summary: 'mark pending letters discarded (one POSITION, or those the filters select): never redriven',
  options: {
    ...FILTER_OPTIONS,
    reason: { kind: 'text', value: 'TEXT', help: 'why, kept with the mark' },
    json: { kind: 'flag', help: 'print what was discarded and skipped as JSON' },
  },
  async use(ctx, dlq, values, positionals) {
    const filter = filterOf(values);
    const note = values.reason;
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
  },
});

/**
 * `event-host dlq redrive`: re-sends pending letters to their source partitions, each once; `--dry-run` only
 * prints what it would re-send.
 */
export const dlqRedriveCommand = dlqCommand({
  name: 'dlq redrive',
  summary:
    'send pending letters back to their source partitions, each once, for the listener that failed\n' +
    '(--dry-run: print them, send nothing)',
  options: {
    ...FILTER_OPTIONS,
    limit: { kind: 'count', value: 'N', help: 'redrive at most N letters' },
    'dry-run': { kind: 'flag', help: 'print what would be redriven, send nothing' },
    json: { kind: 'flag', help: 'print what was redriven as JSON' },
  },
  async use(ctx, dlq, values) {
    const { limit } = values;
    const filter = filterOf(values);
    const dryRun = values['dry-run'];
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
  },
});
