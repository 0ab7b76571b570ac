import { CodedError } from '@engagement/plugin-api';

/**
 * The metric-listeners error catalog, a `CodedError` like every catalog. Each error has a stable `code` and
 * says whether retrying can help, like the event-bus catalog: the runtime retries a retriable failure with
 * backoff, then dead-letters the change for that listener only; a non-retriable one is dead-lettered at
 * once, with its code as the letter's cause code.
 */
export class MetricListenerError extends CodedError<MetricListenerErrorCode> {
  /** `retriable` follows the code (see `RETRIABLE`), never the caller. */
  constructor(code: MetricListenerErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retriable: RETRIABLE[code], cause: options.cause });
  }
}

export type MetricListenerErrorCode =
  /** A related row (the image of a reaction, the thread of a comment) is neither live nor archived. */
  | 'ML_RELATED_ROW_MISSING'
  /** A column holds a value the listener does not know (a new reaction kind, a tip on an unknown type). */
  | 'ML_UNKNOWN_VALUE'
  /** An update without its `before` row: the table lacks REPLICA IDENTITY FULL, the difference is unknown. */
  | 'ML_UPDATE_WITHOUT_BEFORE'
  /** A listener emitted a metric it does not declare in `moves` (the generated docs would be wrong). */
  | 'ML_UNDECLARED_METRIC'
  /** A listener's truth does not name exactly the metrics its moves declare (a definition error). */
  | 'ML_TRUTH_MISMATCH'
  /** A lookup query failed (Postgres down or refusing); the same change may succeed later. */
  | 'ML_LOOKUP_FAILED';

const RETRIABLE: Record<MetricListenerErrorCode, boolean> = {
  // Deleted parents are archived in the deleting transaction: one missing from both never comes back.
  ML_RELATED_ROW_MISSING: false,
  ML_UNKNOWN_VALUE: false,
  ML_UPDATE_WITHOUT_BEFORE: false,
  ML_UNDECLARED_METRIC: false,
  ML_TRUTH_MISMATCH: false,
  ML_LOOKUP_FAILED: true,
};
