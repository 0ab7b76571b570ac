/**
 * The one error base class: a stable `code` and whether retrying can help. Every package's catalog extends
 * it (`EventBusError`, `MetricListenerError`, `SearchSyncError`, `HostError`), each choosing its codes and
 * its default for `retriable`; the runtime reads `retriable` (see `isRetriable`) to choose between retry,
 * dead letter and stopping the host. The message starts with the code.
 */
export class CodedError<Code extends string = string> extends Error {
  /** Stable machine-readable code, e.g. `EB_DECODE_INVALID_JSON`. */
  readonly code: Code;
  /** Whether the same operation may succeed if tried again (a broker or sink outage, not bad data). */
  readonly retriable: boolean;

  constructor(code: Code, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable;
  }
}

/**
 * The event-bus error catalog. Every error carries a stable `code` and whether retrying can help (not
 * retriable unless it says so), so the runtime can choose between retry, dead letter and stopping the host.
 */
export class EventBusError extends CodedError {
  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, { retriable: options.retriable ?? false, cause: options.cause });
  }
}

/** A message could not be turned into a change event; retrying the same bytes cannot help. */
export class DecodeError extends EventBusError {
  constructor(code: DecodeErrorCode, message: string, cause?: unknown) {
    super(code, message, { retriable: false, cause });
  }
}

export type DecodeErrorCode =
  | 'EB_DECODE_INVALID_JSON'
  | 'EB_DECODE_UNKNOWN_SHAPE'
  | 'EB_DECODE_UNKNOWN_OP'
  | 'EB_DECODE_UNKNOWN_TOPIC'
  | 'EB_DECODE_BAD_VALUE';

/** A plugin or listener definition, or the plugin graph, is invalid. Raised at boot; names the culprit. */
export class PluginError extends EventBusError {
  /** The plugin whose definition failed. */
  readonly pluginId: string;

  constructor(code: PluginErrorCode, pluginId: string, message: string) {
    super(code, `plugin "${pluginId}": ${message}`, { retriable: false });
    this.pluginId = pluginId;
  }
}

export type PluginErrorCode =
  | 'EB_PLUGIN_INVALID'
  | 'EB_PLUGIN_MODULE_NOT_FOUND'
  | 'EB_PLUGIN_MODULE_EMPTY'
  | 'EB_PLUGIN_DUPLICATE_ID'
  | 'EB_LISTENER_INVALID'
  | 'EB_LISTENER_DUPLICATE_ID'
  | 'EB_LISTENER_HANDLES_NOTHING'
  | 'EB_DEPENDENCY_MISSING'
  | 'EB_CONTRACT_VERSION_UNSUPPORTED';

/**
 * A listener threw while handling an event. Retriable when what it threw is (see `isRetriable`): then it is
 * retried with backoff before it is dead-lettered; otherwise it is dead-lettered at once.
 */
export class ListenerError extends EventBusError {
  readonly listenerId: string;

  constructor(listenerId: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('EB_LISTENER_FAILED', `listener "${listenerId}" failed: ${reason}`, {
      retriable: isRetriable(cause),
      cause,
    });
    this.listenerId = listenerId;
  }
}

/**
 * A sink (ClickHouse, Redis, search queue) could not accept work. `EB_SINK_UNAVAILABLE` (an outage) is
 * retriable: the work is retried until it goes through. `EB_SINK_REJECTED` (a schema mismatch, a key of the
 * wrong type) is not: the host stops without committing the work.
 */
export class SinkError extends EventBusError {
  readonly sink: string;

  constructor(sink: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    const retriable = options.retriable ?? true;
    super(retriable ? 'EB_SINK_UNAVAILABLE' : 'EB_SINK_REJECTED', `sink "${sink}": ${message}`, {
      retriable,
      cause: options.cause,
    });
    this.sink = sink;
  }
}

/** How deep `cause` chains are followed (a guard against cycles). */
const MAX_CAUSE_DEPTH = 16;

/**
 * False when `error` or any error in its `cause` chain says `retriable: false` (any `CodedError` catalog,
 * or KafkaJS's errors, which carry the same flag); true otherwise. Errors without the flag (a network failure, a driver error) count as
 * retriable: only an error that knows it cannot succeed stops the retrying.
 */
export function isRetriable(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    if ((current as { retriable?: unknown }).retriable === false) return false;
    current = (current as { cause?: unknown }).cause;
  }
  return true;
}

/**
 * The `code` of the first error in `error`'s `cause` chain (not `error` itself) that has a string code, e.g.
 * `ML_RELATED_ROW_MISSING` under `EB_LISTENER_FAILED`; undefined when none has one.
 */
export function causeCodeOf(error: unknown): string | undefined {
  let current = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
