import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../test/run-cli-captured.js';
import { defineCommand, parseCommandArgs } from './command-table.js';
import { backfillCommand } from './commands/backfill-command.js';
import { reconcileCommand } from './commands/reconcile-command.js';
import { USAGE } from './run-cli.js';

const reconcileArgs = (argv: string[]) => parseCommandArgs(reconcileCommand, argv).values;

describe('command table', () => {
  it('metrics reconcile takes one of --sample, --all, --ids (which needs --entity-type)', () => {
    expect(reconcileArgs(['--ids', '1,2', '--entity-type', 'Image', '--repair'])).toMatchObject({
      ids: [1, 2],
      'entity-type': 'Image',
      repair: true,
    });
    expect(() => reconcileArgs(['--sample', '5', '--all'])).toThrow('use one of');
    expect(() => reconcileArgs(['--ids', '1'])).toThrow('--ids needs --entity-type');
    expect(() => reconcileArgs(['--sample', '0'])).toThrow('positive integer');
    expect(() => reconcileArgs(['--metric'])).toThrow('--metric needs a value');
    expect(() => reconcileArgs(['--bogus'])).toThrow('unknown argument');
  });

  it('parses strictly: values of every kind, = forms, and each mistake as a usage error naming it', () => {
    const command = defineCommand({
      name: 'demo',
      operands: { name: 'FILE', min: 1, max: 1 },
      summary: 'a demo',
      options: {
        json: { kind: 'flag', help: 'json' },
        name: { kind: 'text', value: 'N', help: 'a name' },
        limit: { kind: 'count', value: 'N', help: 'a limit' },
        ids: { kind: 'ids', value: 'LIST', help: 'ids' },
      },
      run: async () => 0,
    });
    expect(parseCommandArgs(command, ['f', '--limit=3', '--ids', '4, 5', '--name', 'x'])).toEqual({
      values: { json: false, name: 'x', limit: 3, ids: [4, 5] },
      operands: ['f'],
    });
    const fails = (argv: string[]) => () => parseCommandArgs(command, argv);
    expect(fails(['f', '--limt', '3'])).toThrow(
      'EH_USAGE: demo: unknown argument "--limt" (did you mean --limit?)',
    );
    expect(fails(['f', '--json=yes'])).toThrow('--json takes no value');
    expect(fails(['f', '--name', '--json'])).toThrow('--name needs a value');
    expect(fails(['f', '--limit', '2.5'])).toThrow('--limit needs a positive integer');
    expect(fails(['f', '--ids', '1,,2'])).toThrow('--ids needs a positive integer');
    expect(fails(['f', 'g'])).toThrow('demo: unexpected argument "g"');
    expect(fails([])).toThrow('demo needs FILE');
  });

  it('--help lists every option each command accepts, so the text cannot drift from the parser', () => {
    for (const command of [reconcileCommand, backfillCommand]) {
      for (const name of Object.keys(command.options)) expect(USAGE).toContain(`--${name}`);
    }
    expect(USAGE).toContain('replay --dry-run FILE');
  });

  it('event-host <command> --help prints that command with each option explained', async () => {
    const out = await runCliCaptured(['backfill', '--help'], {});
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^usage: event-host backfill \[--entity-type T\]/);
    expect(out.stdout).toMatch(/--rate N\s+at most N entities per second/);
    const config = await runCliCaptured(['backfill', '--config'], {});
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('--config needs a file name');
  });
});
