/**
 * The event-bus error catalog. Every error carries a stable `code` and whether retrying can help,
 * so the runtime can choose between retry, dead letter and stopping the host.
 */
export class EventBusError extends Error {
  /** Stable machine-readable code, e.g. `EB_DECODE_INVALID_JSON`. */
  readonly code: string;
  /** Whether the same operation may succeed if tried again (a broker or sink outage, not bad data). */
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
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

/** A listener threw while handling an event. Retried with backoff, then dead-lettered. */
export class ListenerError extends EventBusError {
  readonly listenerId: string;

  constructor(listenerId: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('EB_LISTENER_FAILED', `listener "${listenerId}" failed: ${reason}`, { retriable: true, cause });
    this.listenerId = listenerId;
  }
}

/** A sink (ClickHouse, Redis, search queue) could not accept work. Outages are retriable. */
export class SinkError extends EventBusError {
  readonly sink: string;

  constructor(sink: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super('EB_SINK_UNAVAILABLE', `sink "${sink}": ${message}`, {
      retriable: options.retriable ?? true,
      cause: options.cause,
    });
    this.sink = sink;
  }
}

/** True when `error` is a catalogued error that says retrying may help. */
export function isRetriable(error: unknown): boolean {
  return error instanceof EventBusError ? error.retriable : true;
}
