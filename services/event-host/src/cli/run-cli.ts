import { parseArgs } from 'node:util';
import { EXIT, exitCodeOf, HostError } from '../errors.js';
import { type CliContext, println } from './cli-context.js';
import { backfillCommand } from './commands/backfill-command.js';
import { configCheckCommand } from './commands/config-check-command.js';
import {
  dlqDiscardCommand,
  dlqListCommand,
  dlqRedriveCommand,
  dlqShowCommand,
} from './commands/dlq-commands.js';
import { driftCommand } from './commands/drift-command.js';
import { reconcileCommand } from './commands/reconcile-command.js';
import { replayCommand } from './commands/replay-command.js';
import { startCommand } from './commands/start-command.js';
import { USAGE } from './usage.js';

type Command = (ctx: CliContext) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  start: startCommand,
  'config check': configCheckCommand,
  replay: replayCommand,
  'dlq list': dlqListCommand,
  'dlq show': dlqShowCommand,
  'dlq discard': dlqDiscardCommand,
  'dlq redrive': dlqRedriveCommand,
  'metrics drift': driftCommand,
  'metrics reconcile': reconcileCommand,
  backfill: backfillCommand,
};

/**
 * Runs one CLI invocation and resolves with its exit code. Errors are printed as one line with their code;
 * nothing here calls `process.exit`, so tests run commands in-process.
 */
export async function runCli(
  argv: readonly string[],
  io: Pick<CliContext, 'env' | 'stdout' | 'stderr' | 'importer'> = {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
  },
): Promise<number> {
  let configFile: string | undefined;
  let rest: string[];
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: false,
      allowPositionals: true,
    });
    if (parsed.values.help || argv.length === 0) {
      println(argv.length === 0 ? io.stderr : io.stdout, USAGE);
      return argv.length === 0 ? EXIT.usage : EXIT.ok;
    }
    if (parsed.values.config !== undefined && typeof parsed.values.config !== 'string') {
      throw new HostError('EH_USAGE', '--config needs a file name');
    }
    configFile = parsed.values.config as string | undefined;
    rest = withoutConfigFlag(argv);
  } catch (error) {
    return report(io, error);
  }
  const name = COMMANDS[`${rest[0]} ${rest[1]}`] ? `${rest[0]} ${rest[1]}` : rest[0]!;
  const command = COMMANDS[name];
  if (!command) {
    const known = Object.keys(COMMANDS).join(', ');
    return report(io, new HostError('EH_USAGE', `unknown command "${rest.join(' ')}" (commands: ${known})`));
  }
  const args = rest.slice(name.split(' ').length);
  try {
    return await command({ ...io, args, configFile });
  } catch (error) {
    return report(io, error);
  }
}

function withoutConfigFlag(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') i++;
    else if (!a.startsWith('--config=')) out.push(a);
  }
  return out;
}

function report(io: Pick<CliContext, 'stderr'>, error: unknown): number {
  const code = exitCodeOf(error);
  println(io.stderr, `event-host: ${error instanceof Error ? error.message : String(error)}`);
  if (code === EXIT.usage) println(io.stderr, 'run "event-host --help" for usage');
  if (code === EXIT.failed && error instanceof Error && !(error instanceof HostError) && error.stack) {
    println(io.stderr, error.stack);
  }
  return code;
}
