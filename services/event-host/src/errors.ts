import { CodedError } from '@engagement/plugin-api';

/**
 * The event host's error catalog, a `CodedError` like every catalog. Each error has a stable `code` and says
 * whether retrying can help; the CLI maps codes to exit codes (see `exitCodeOf`).
 */
export class HostError extends CodedError<HostErrorCode> {
  /** `retriable` defaults to false (a bad setting, a bad command line); an outage says otherwise. */
  constructor(code: HostErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, { retriable: options.retriable ?? false, cause: options.cause });
  }
}

export type HostErrorCode =
  /** One or more settings are missing or invalid; the message names each one. */
  | 'EH_CONFIG_INVALID'
  /** The configuration file cannot be read or is not a JSON object. */
  | 'EH_CONFIG_FILE_UNREADABLE'
  /** A plugin package named in the configuration cannot be found. */
  | 'EH_PLUGIN_PACKAGE_NOT_FOUND'
  /** A plugin package was found but threw while loading. */
  | 'EH_PLUGIN_PACKAGE_FAILED'
  /** A plugin package exports no plugin definition. */
  | 'EH_PLUGIN_NO_EXPORT'
  /** The loaded plugins fail validation (duplicate ids, missing dependencies, …). */
  | 'EH_PLUGIN_INVALID'
  /** A listener declares a source table that exists nowhere (no Postgres table, no topic, no ClickHouse route). */
  | 'EH_PLUGIN_TABLE_UNKNOWN'
  /** A command line that does not parse. */
  | 'EH_USAGE'
  /** A replay input file that cannot be read or has a bad line. */
  | 'EH_REPLAY_INPUT_INVALID'
  /** The host could not start (a broker or sink unreachable at boot). */
  | 'EH_START_FAILED'
  /** `dlq show` or `dlq discard` named a position the dead-letter topic does not hold. */
  | 'EH_DLQ_LETTER_NOT_FOUND'
  /**
   * A sink refused work with an error retrying cannot fix (a schema mismatch, a key of the wrong type); the
   * host stopped without committing it.
   */
  | 'EH_SINK_REJECTED'
  /** `metrics reconcile --repair` (or `backfill`) found another repair of the same cache scope running. */
  | 'EH_REPAIR_LOCKED'
  /** `backfill`: the stream did not store a snapshot within `reconcile.waitMs`; run again to resume. */
  | 'EH_NOT_CAUGHT_UP'
  /** `backfill` was stopped between rounds; run again to resume. */
  | 'EH_BACKFILL_STOPPED';

/** Process exit codes of the `event-host` CLI. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** The command ran, but found something the operator must look at (dead letters in a replay, drift). */
  attention: 3,
  /**
   * sysexits.h EX_DATAERR: a sink refused the work for good (see `EH_SINK_REJECTED`); fix the sink (its
   * schema, its keys) and restart: the uncommitted work is processed again.
   */
  sinkRejected: 65,
  /** sysexits.h EX_CONFIG: the configuration or the plugins are wrong; restarting will not help. */
  config: 78,
} as const;

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): number {
  if (!(error instanceof HostError)) return EXIT.failed;
  switch (error.code) {
    case 'EH_USAGE':
    case 'EH_REPLAY_INPUT_INVALID':
      return EXIT.usage;
    case 'EH_CONFIG_INVALID':
    case 'EH_CONFIG_FILE_UNREADABLE':
    case 'EH_PLUGIN_PACKAGE_NOT_FOUND':
    case 'EH_PLUGIN_PACKAGE_FAILED':
    case 'EH_PLUGIN_NO_EXPORT':
    case 'EH_PLUGIN_INVALID':
    case 'EH_PLUGIN_TABLE_UNKNOWN':
      return EXIT.config;
    case 'EH_SINK_REJECTED':
      return EXIT.sinkRejected;
    case 'EH_NOT_CAUGHT_UP':
      return EXIT.attention;
    default:
      return EXIT.failed;
  }
}
