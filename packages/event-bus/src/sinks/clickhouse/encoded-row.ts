/**
 * A row already serialised to JSON, for inserts in a JSON format: the client's `json.stringify` that
 * `openClickHouse` installs sends `json` as it is, instead of serialising the row a second time (metric
 * events are serialised once for the metric topic and the insert reuses that text). Any other client
 * serialises it through `toJSON`, to the same text, only slower.
 */
export class EncodedRow {
  constructor(readonly json: string) {}

  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/** `JSON.stringify`, except that an `EncodedRow` is its text as it is. */
export function stringifyRow(value: unknown): string {
  return value instanceof EncodedRow ? value.json : JSON.stringify(value);
}
