import { CodedError, isRetriable } from '@engagement/plugin-api';

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

  constructor(code: PluginErrorCode, pluginId: string, message: string, cause?: unknown) {
    super(code, `plugin "${pluginId}": ${message}`, { retriable: false, cause });
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
  | 'EB_CONTRACT_VERSION_UNSUPPORTED'
  | 'EB_PLUGIN_START_FAILED'
  | 'EB_PLUGIN_STOP_FAILED';

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
