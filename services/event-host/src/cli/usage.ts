import type { OptionSpec } from './command-table.js';

/** Options every command takes; `run-cli` parses them from anywhere on the line, `--help` lists them. */
export const GLOBAL_OPTIONS = {
  config: {
    kind: 'text',
    value: 'FILE',
    help: 'JSON configuration file (default: $EVENT_HOST_CONFIG_FILE); EVENT_HOST_* variables win',
  },
  help: { kind: 'flag', help: "this text, or one command's: event-host <command> --help (also -h)" },
} as const satisfies Record<string, OptionSpec>;

/** The part of `--help` that is not about one command: exit codes. */
export const EXIT_CODES_HELP = `exit codes: 0 ok, 1 failed, 2 usage error, 3 done but needs attention (dead letters, drift, metrics off),
            78 invalid configuration or plugins`;
