/** The CLI's help text. */
export const USAGE = `usage: event-host <command> [options]

commands:
  start                           run the host (consume, handle, store; HTTP endpoints)
  config check                    validate the configuration and the plugins, print the settings
  replay --dry-run FILE           run Kafka records from a JSONL file through the plugins on in-memory
                                  sinks; print the metric events as JSONL (writes nothing anywhere)
  dlq list [--limit N] [--json]   list the dead letters and whether each was redriven
  dlq redrive [--limit N] [--dry-run]
                                  send dead letters not redriven yet back to their source partitions,
                                  each once, for the listener that failed
  metrics drift [--sample N] [--repair]
                                  compare cached and stored metrics of sampled entities with the truth

options:
  --config FILE   JSON configuration file (default: $EVENT_HOST_CONFIG_FILE); EVENT_HOST_* variables win
  --help          this text

exit codes: 0 ok, 1 failed, 2 usage error, 3 done but needs attention (dead letters, drift),
            78 invalid configuration or plugins
`;
