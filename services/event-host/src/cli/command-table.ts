// One declaration per command: its words, operands, options and help. The parser and the help text are
// both made from it, so `--help` cannot drift from what a command accepts.
import { parseArgs } from 'node:util';
import { closest } from '../config/closest-name.js';
import { HostError } from '../errors.js';
import type { CliContext } from './cli-context.js';

/** An option: a flag, a text value, a positive integer, or a comma-separated list of positive integers. */
export type OptionSpec =
  | {
      kind: 'flag';
      help: string /** Must be given (shown without brackets); `check` says why. */;
      required?: boolean;
    }
  | { kind: 'text' | 'count' | 'ids'; value: string; help: string };

type ValueOf<S extends OptionSpec> = S extends { kind: 'flag' }
  ? boolean
  : S extends { kind: 'text' }
    ? string | undefined
    : S extends { kind: 'count' }
      ? number | undefined
      : number[] | undefined;

export type OptionValues<O extends Record<string, OptionSpec>> = { [K in keyof O]: ValueOf<O[K]> };

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** The command's words, e.g. `dlq list`. */
  name: string;
  /** Operands after the options, e.g. `FILE`: how many are allowed and required. */
  operands?: { name: string; min: number; max: number };
  /** What it does: the lines under its synopsis in `--help`. */
  summary: string;
  options: O;
  /** Checks that involve several options, after each was parsed on its own. */
  check?(values: OptionValues<O>, operands: string[]): void;
  run(ctx: CliContext, values: OptionValues<O>, operands: string[]): Promise<number>;
}

/** Declares a command; only here so TypeScript infers the option values' types for `check` and `run`. */
export function defineCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

const usage = (message: string) => new HostError('EH_USAGE', message);

/** Parses a command's arguments strictly: unknown options, missing values and extra operands are usage errors. */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  args: readonly string[],
): { values: OptionValues<O>; operands: string[] } {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [
      name,
      { type: o.kind === 'flag' ? 'boolean' : 'string' },
    ]),
  ) as Record<string, { type: 'boolean' | 'string' }>;
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw usage(parseErrorText(spec, error));
  }
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const raw = parsed.values[name];
    if (o.kind === 'flag') values[name] = raw === true;
    else if (raw === undefined) values[name] = undefined;
    else if (o.kind === 'text') values[name] = raw;
    else if (o.kind === 'count') values[name] = positive(`--${name}`, String(raw));
    else
      values[name] = String(raw)
        .split(',')
        .map((id) => positive(`--${name}`, id.trim()));
  }
  const operands = parsed.positionals;
  const allowed = spec.operands ?? { name: '', min: 0, max: 0 };
  if (operands.length > allowed.max) {
    throw usage(`${spec.name}: unexpected argument "${operands[allowed.max]}"`);
  }
  if (operands.length < allowed.min) throw usage(`${spec.name} needs ${allowed.name}`);
  const typed = values as OptionValues<O>;
  spec.check?.(typed, operands);
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.kind === 'flag' && o.required && !values[name])
      throw usage(`${spec.name} needs --${name} (${o.help})`);
  }
  return { values: typed, operands };
}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (text === '' || !Number.isSafeInteger(n) || n < 1) throw usage(`${flag} needs a positive integer`);
  return n;
}

/** node:util's messages name the option but explain `--` quoting; ours say what to do, with a "did you mean". */
function parseErrorText(spec: CommandSpec, error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]*)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = closest(
      option,
      Object.keys(spec.options).map((n) => `--${n}`),
    );
    return `${spec.name}: unknown argument "${option}"${near ? ` (did you mean ${near}?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return spec.options[option.slice(2)]?.kind === 'flag'
      ? `${option} takes no value`
      : `${option} needs a value`;
  }
  return `${spec.name}: ${message}`;
}

/** `dlq list [--listener ID] … [--json]`. */
export function synopsis(spec: CommandSpec): string {
  const options = Object.entries(spec.options).map(([name, o]) =>
    o.kind === 'flag' ? (o.required ? `--${name}` : `[--${name}]`) : `[--${name} ${o.value}]`,
  );
  const operands = spec.operands
    ? spec.operands.min > 0
      ? spec.operands.name
      : `[${spec.operands.name}]`
    : undefined;
  return [spec.name, ...options, ...(operands ? [operands] : [])].join(' ');
}

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');

/** One line per option: its label and its help, aligned. */
export function optionLines(options: Record<string, OptionSpec>): string[] {
  const entries = Object.entries(options);
  const labels = entries.map(([name, o]) => (o.kind === 'flag' ? `--${name}` : `--${name} ${o.value}`));
  const width = Math.max(0, ...labels.map((l) => l.length));
  return entries.map(([, o], i) => `  ${labels[i]!.padEnd(width)}  ${o.help}`);
}

/** The end of every help text: the options of every command, then `footer`. */
function globalPart(globalOptions: Record<string, OptionSpec>, footer: string): string[] {
  return ['', 'options (every command):', ...optionLines(globalOptions), '', footer];
}

/** The whole `--help`: every command's synopsis and summary, then the global options. */
export function renderUsage(
  commands: readonly CommandSpec[],
  globalOptions: Record<string, OptionSpec>,
  footer: string,
): string {
  const lines = ['usage: event-host <command> [options]', '', 'commands:'];
  for (const c of commands) lines.push(`  ${synopsis(c)}`, indent(c.summary, '      '));
  lines.push(...globalPart(globalOptions, footer));
  return `${lines.join('\n')}\n`;
}

/** `event-host <command> --help`: the synopsis, the summary and each option's help. */
export function renderCommandHelp(
  spec: CommandSpec,
  globalOptions: Record<string, OptionSpec>,
  footer: string,
): string {
  const lines = [`usage: event-host ${synopsis(spec)}`, '', spec.summary];
  if (Object.keys(spec.options).length > 0) lines.push('', 'options:', ...optionLines(spec.options));
  lines.push(...globalPart(globalOptions, footer));
  return `${lines.join('\n')}\n`;
}
