/** The CLI's help text. */
export const USAGE = `usage: event-host <command> [options]

commands:
  start                           run the host (consume, handle, store; HTTP endpoints)
  config check                    validate the configuration and the plugins, print the settings
  replay --dry-run FILE           run Kafka records from a JSONL file through the plugins on in-memory
                                  sinks; print the metric events as JSONL (writes nothing anywhere)
  dlq list [FILTERS] [--limit N] [--json]
                                  list the dead letters: position, pending/redriven/discarded, reason;
                                  the counts cover every letter, --limit only limits the rows
  dlq show POSITION [--json]      one letter: error, attempts, headers, key and payload
  dlq discard POSITION|FILTERS [--reason TEXT] [--json]
                                  mark pending letters discarded: never redriven
  dlq redrive [FILTERS] [--limit N] [--dry-run] [--json]
                                  send pending letters back to their source partitions, each once, for
                                  the listener that failed (--dry-run: print them, send nothing)
    FILTERS: --listener ID (none: undecodable) --code CODE (error or cause code) --topic SOURCE_TOPIC
    POSITION: topic/partition/offset, as dlq list prints it
  metrics drift [--sample N] [--repair]
                                  compare cached hashes of sampled entities with ClickHouse
  metrics reconcile [--sample N | --all | --ids LIST] [--entity-type T] [--metric M] [--repair] [--json]
                                  compare stored metric events (and cached hashes) with the listeners'
                                  truths over the source, at one consistent source position per batch;
                                  --repair writes the differences as corrections and refills hashes
                                  (default --sample 1000 per entity type; --ids needs --entity-type)
  backfill [--entity-type T] [--metric M] [--batch-size N] [--rate N] [--restart] [--json]
                                  write the metrics' history: reconcile --all --repair in keyset order,
                                  at most N entities/s, resumable (--restart ignores saved progress)

options:
  --config FILE   JSON configuration file (default: $EVENT_HOST_CONFIG_FILE); EVENT_HOST_* variables win
  --help          this text

exit codes: 0 ok, 1 failed, 2 usage error, 3 done but needs attention (dead letters, drift, metrics off),
            78 invalid configuration or plugins
`;
