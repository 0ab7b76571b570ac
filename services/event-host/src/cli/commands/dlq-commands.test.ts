import { describe, expect, it } from 'vitest';
import { capture as sink } from '../../../test/run-cli-captured.js';
import { DeadLetterTopic } from '../../dlq/dead-letter-topic.js';
import { InMemoryDeadLetterStore } from '../../dlq/in-memory-dead-letter-store.js';
import type { OptionSpec } from '../command-table.js';
import {
  type DlqCommand,
  dlqDiscardCommand as discard,
  dlqListCommand as list,
  dlqRedriveCommand as redrive,
  runOnDeadLetters,
  dlqShowCommand as show,
} from './dlq-commands.js';

function setUp() {
  const store = new InMemoryDeadLetterStore('dlt');
  for (let i = 0; i < 5; i++) {
    store.add({
      code: i === 0 ? 'EB_ROW_INVALID' : 'ML_RELATED_ROW_MISSING',
      listener: i === 0 ? 'image.reactions' : 'post.reactions',
      message: `failure ${i}`,
      key: Buffer.from(`{"id":${i}}`),
      value: Buffer.from(JSON.stringify({ op: 'c', after: { id: i, imageId: i === 0 ? 'abc' : 7 } })),
      headers: { 'eb.error.code': 'x', 'eb.attempts': '3' },
      attempts: 3,
    });
  }
  const dlq = new DeadLetterTopic(store);
  const run = async <O extends Record<string, OptionSpec>>(command: DlqCommand<O>, ...args: string[]) => {
    const stdout = sink();
    const stderr = sink();
    const code = await runOnDeadLetters(command, { args, env: {}, stdout, stderr }, dlq);
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  return { store, run };
}

describe('event-host dlq commands', () => {
  it('list --limit 1 prints one row and the totals of all five', async () => {
    const { run } = setUp();
    const out = await run(list, '--limit', '1');
    expect(out.stdout.trim().split('\n')).toHaveLength(1);
    expect(out.stdout).toContain('dlt/0/0  pending');
    expect(out.stderr).toContain('5 dead letter(s) in dlt: 5 pending, 0 redriven, 0 discarded; 1 shown');
    const json = await run(list, '--json', '--code', 'ML_RELATED_ROW_MISSING', '--limit', '2');
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).position),
    ).toEqual(['dlt/0/1', 'dlt/0/2']);
    expect(JSON.parse(json.stderr)).toMatchObject({ all: { total: 5 }, matched: { total: 4 }, shown: 2 });
  });

  it('list --code selects by cause code too, and prints code/cause code', async () => {
    const { store, run } = setUp();
    store.add({ code: 'EB_LISTENER_FAILED', causeCode: 'EB_DECODE_BAD_VALUE', listener: 'image.reactions' });
    const out = await run(list, '--code', 'EB_DECODE_BAD_VALUE');
    expect(out.stdout.trim().split('\n')).toEqual([
      expect.stringContaining(
        'dlt/0/5  pending   1970-01-01T00:00:00.000Z  EB_LISTENER_FAILED/EB_DECODE_BAD_VALUE  image.reactions',
      ),
    ]);
    expect(out.stderr).toContain('6 dead letter(s) in dlt: 6 pending, 0 redriven, 0 discarded; 1 match');
  });

  it('redrive --dry-run prints what it would redrive and sends nothing', async () => {
    const { store, run } = setUp();
    const out = await run(redrive, '--dry-run');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('would redrive dlt/0/0 → app.public.ImageReaction:0 for image.reactions');
    expect(out.stderr).toContain('5 dead letter(s) would be redriven');
    expect(store.resent).toEqual([]);
    expect(store.markLog).toEqual([]);
  });

  it('show prints error, attempts, headers and the payload as pretty JSON', async () => {
    const { run } = setUp();
    const out = await run(show, 'dlt/0/0');
    expect(out.stdout).toContain('error      EB_ROW_INVALID: failure 0');
    expect(out.stdout).toContain('attempts   3');
    expect(out.stdout).toContain('  eb.attempts: 3');
    expect(out.stdout).toContain('{\n  "op": "c",\n  "after": {\n    "id": 0,\n    "imageId": "abc"');
    const json = JSON.parse((await run(show, 'dlt/0/0', '--json')).stdout);
    expect(json.payload.after.imageId).toBe('abc');
    await expect(run(show, 'dlt/0/9')).rejects.toThrow('EH_DLQ_LETTER_NOT_FOUND: no dead letter at dlt/0/9');
  });

  it('discard by position and by filter is recorded and excluded from redrive', async () => {
    const { store, run } = setUp();
    expect((await run(discard, 'dlt/0/0', '--reason', 'imageId cannot parse')).code).toBe(0);
    const byFilter = JSON.parse((await run(discard, '--listener', 'post.reactions', '--json')).stdout);
    expect(byFilter.discarded).toHaveLength(4);
    expect((await run(list)).stderr).toContain('0 pending, 0 redriven, 5 discarded');
    expect((await run(redrive)).stderr).toContain('0 dead letter(s) redriven');
    expect(store.resent).toEqual([]);
    await expect(run(discard)).rejects.toThrow('EH_USAGE: dlq discard needs a position');
  });
});
