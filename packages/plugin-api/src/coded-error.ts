/**
 * The one error base class: a stable `code` and whether retrying can help. Every package's catalog extends
 * it (`EventBusError`, `MetricListenerError`, `SearchSyncError`, `HostError`; `RowValueError` here), each
 * choosing its codes and its default for `retriable`; the runtime reads `retriable` (see `isRetriable`) to choose between retry,
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

/** How deep `cause` chains are followed (a guard against cycles). */
const MAX_CAUSE_DEPTH = 16;

/**
 * False when `error` or any error in its `cause` chain says `retriable: false` (any `CodedError` catalog,
 * or KafkaJS's errors, which carry the same flag); true otherwise. Errors without the flag (a network failure,
 * a driver error) count as retriable: only an error that knows it cannot succeed stops the retrying.
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
