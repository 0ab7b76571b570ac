/**
 * Metric rows as JSONEachRow bytes: `rows` lines, each ending in a newline. This is what the ClickHouse
 * insert sends; the ingest stage writes each processed batch's lines once (`JsonLinesBuffer`), so that a
 * flush hands over a few large blocks. Joining and encoding a 50,000-row flush at once stalled the event loop
 * for 80–139 ms, and concatenating one small block per batch still 31–45 ms (docs/performance-history.md,
 * "Fifth session").
 */
export interface JsonLines {
  bytes: Buffer;
  rows: number;
}

/** `metricEventJson` lines as one block of JSONEachRow bytes. */
export function toJsonLines(lines: readonly string[]): JsonLines {
  return { bytes: Buffer.from(`${lines.join('\n')}\n`), rows: lines.length };
}

/** Bytes per segment: a 50,000-row flush of ~280-byte rows fits one. */
const SEGMENT_BYTES = 16 * 1024 * 1024;

/**
 * Lines written into large segments as batches come, and taken as blocks of those segments: no join of a
 * whole flush, and no copy of many small blocks into one. A block taken is a view of its segment, which the
 * lines appended after it fill on (they never overlap); a segment is dropped once no block of it is held.
 */
export class JsonLinesBuffer {
  constructor(private readonly segmentBytes = SEGMENT_BYTES) {}

  private segment = Buffer.allocUnsafe(0);
  /** The segment's bytes written, and where its part not yet taken starts. */
  private used = 0;
  private start = 0;
  /** Lines in the segment's part not yet taken. */
  private open = 0;
  private sealed: JsonLines[] = [];
  private count = 0;

  /** Lines held (not taken yet), sealed into blocks or still open. */
  get rows(): number {
    return this.count;
  }

  append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    const text = `${lines.join('\n')}\n`;
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    this.room(text.length * 3);
    this.used += this.segment.write(text, this.used);
    this.opened(lines.length);
  }

  /** Appends `rows` lines already encoded: JSONEachRow bytes, each line ending in a newline. */
  appendBytes(bytes: Uint8Array, rows: number): void {
    if (rows === 0) return;
    this.room(bytes.length);
    this.segment.set(bytes, this.used);
    this.used += bytes.length;
    this.opened(rows);
  }

  /** Starts a new segment when `bytes` more might not fit in this one. */
  private room(bytes: number): void {
    if (this.used + bytes <= this.segment.length) return;
    this.seal();
    this.segment = Buffer.allocUnsafe(Math.max(this.segmentBytes, bytes));
    this.used = 0;
    this.start = 0;
  }

  private opened(rows: number): void {
    this.open += rows;
    this.count += rows;
  }

  /** Every line held, as blocks (in the order they were appended), and the buffer empty. */
  take(): JsonLines[] {
    this.seal();
    const blocks = this.sealed;
    this.sealed = [];
    this.count = 0;
    return blocks;
  }

  /** Blocks taken and not stored (a failed flush): held again, ahead of what came since. */
  putBack(blocks: readonly JsonLines[]): void {
    this.seal();
    this.sealed = blocks.concat(this.sealed);
    for (const b of blocks) this.count += b.rows;
  }

  private seal(): void {
    if (this.open === 0) return;
    this.sealed.push({ bytes: this.segment.subarray(this.start, this.used), rows: this.open });
    this.start = this.used;
    this.open = 0;
  }
}
