import { closest } from '../config/closest-name.js';
import { EXIT, exitCodeOf, HostError } from '../errors.js';
import { type CliContext, println } from './cli-context.js';
import { type CommandSpec, parseCommandArgs, renderCommandHelp, renderUsage } from './command-table.js';
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
import { EXIT_CODES_HELP, GLOBAL_OPTIONS } from './usage.js';

// biome-ignore lint/suspicious/noExplicitAny: each command's option values are typed in its own declaration
type AnyCommand = CommandSpec<any>;

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly AnyCommand[] = [
  startCommand,
  configCheckCommand,
  replayCommand,
  dlqListCommand,
  dlqShowCommand,
  dlqDiscardCommand,
  dlqRedriveCommand,
  driftCommand,
  reconcileCommand,
  backfillCommand,
];

/** The `--help` text. */
export const USAGE = renderUsage(COMMANDS, GLOBAL_OPTIONS, EXIT_CODES_HELP);

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
  let global: GlobalOptions;
  try {
    global = globalOptions(argv);
  } catch (error) {
    return report(io, error);
  }
  const { configFile, help, rest } = global;
  if (rest.length === 0) {
    println(help ? io.stdout : io.stderr, USAGE.trimEnd());
    return help ? EXIT.ok : EXIT.usage;
  }
  const words = rest.findIndex((a) => a.startsWith('-'));
  const named = (words === -1 ? rest : rest.slice(0, words)).join(' ');
  const command = COMMANDS.find((c) => c.name === named || named.startsWith(`${c.name} `));
  if (!command) return report(io, unknownCommand(named, rest));
  if (help) {
    println(io.stdout, renderCommandHelp(command, GLOBAL_OPTIONS, EXIT_CODES_HELP).trimEnd());
    return EXIT.ok;
  }
  const args = rest.slice(command.name.split(' ').length);
  try {
    const { values, operands } = parseCommandArgs(command, args);
    return await command.run({ ...io, args, configFile }, values, operands);
  } catch (error) {
    return report(io, error);
  }
}

/** `dlq` alone names its commands; a typo gets a "did you mean". */
function unknownCommand(named: string, rest: readonly string[]): HostError {
  const names = COMMANDS.map((c) => c.name);
  const under = names.filter((n) => named !== '' && n.startsWith(`${named} `));
  if (under.length > 0) return new HostError('EH_USAGE', `"${named}" needs a command: ${under.join(', ')}`);
  const near = closest(named, names);
  return new HostError(
    'EH_USAGE',
    `unknown command "${rest.join(' ')}"${near ? ` (did you mean ${near}?)` : ''} (commands: ${names.join(', ')})`,
  );
}

interface GlobalOptions {
  configFile?: string;
  help: boolean;
  /** The command's words and its own arguments. */
  rest: string[];
}

/**
 * Takes the `GLOBAL_OPTIONS` (`--config FILE` or `--config=FILE`, `--help`/`-h`) from anywhere; everything else
 * is the command's.
 */
function globalOptions(argv: readonly string[]): GlobalOptions {
  const out: GlobalOptions = { help: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--config' || a.startsWith('--config=')) {
      const file = a === '--config' ? argv[++i] : a.slice('--config='.length);
      if (!file || file.startsWith('-')) throw new HostError('EH_USAGE', '--config needs a file name');
      out.configFile = file;
    } else out.rest.push(a);
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
