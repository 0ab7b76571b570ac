/** The part of `--help` that is not about one command: global options and exit codes. */
export const USAGE_FOOTER = `options (every command):
  --config FILE   JSON configuration file (default: $EVENT_HOST_CONFIG_FILE); EVENT_HOST_* variables win
  --help          this text, or one command's: event-host <command> --help

exit codes: 0 ok, 1 failed, 2 usage error, 3 done but needs attention (dead letters, drift, metrics off),
            78 invalid configuration or plugins`;
