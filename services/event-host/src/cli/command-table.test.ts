import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../test/run-cli-captured.js';
import {
  defineCommand,
  type OptionSpec,
  parseCommandArgs,
  renderCommandHelp,
  synopsis,
} from './command-table.js';
import { backfillCommand } from './commands/backfill-command.js';
import { reconcileCommand } from './commands/reconcile-command.js';
import { COMMANDS, USAGE } from './run-cli.js';
import { EXIT_CODES_HELP, GLOBAL_OPTIONS } from './usage.js';

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

  it('--help is rendered from the table: every command, every option, and the global options', () => {
    for (const command of COMMANDS) {
      expect(USAGE).toContain(`  ${synopsis(command)}\n`);
      const lines = renderCommandHelp(command, GLOBAL_OPTIONS, EXIT_CODES_HELP).split('\n');
      for (const [name, o] of Object.entries<OptionSpec>({ ...command.options, ...GLOBAL_OPTIONS })) {
        const line = lines.find((l) => l.startsWith(`  --${name} `) || l === `  --${name}`);
        expect(line, `--${name} of ${command.name}`).toContain(`  ${o.help}`);
      }
    }
    expect(USAGE).toMatch(/\n {2}--config FILE\s+JSON configuration file/);
    expect(USAGE).toMatch(/\n {2}--help\s+this text/);
  });

  it('refuses an unknown flag or command with a "did you mean", as a usage error (exit 2)', async () => {
    const flag = await runCliCaptured(['metrics', 'drift', '--sampel', '5'], {});
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('metrics drift: unknown argument "--sampel" (did you mean --sample?)');
    const command = await runCliCaptured(['dlq', 'lsit'], {});
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "dlq lsit" (did you mean dlq list?)');
    const group = await runCliCaptured(['dlq'], {});
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('"dlq" needs a command: dlq list, dlq show, dlq discard, dlq redrive');
  });
});
