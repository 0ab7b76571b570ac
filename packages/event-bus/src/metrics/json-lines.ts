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
  return { bytes: encodeLines(lines).bytes, rows: lines.length };
}

/**
 * Lines joined, each ending in a newline, as UTF-8 bytes in a buffer of their own, and whether they were all
 * ASCII (then a line's bytes are its characters). The last newline is written as a byte: appended to the
 * joined text, it made a two-part string that the encoder first copied whole into a flat one, a copy of
 * every byte into fresh memory (a 3,000-row batch encoded in 5.1-6.9 ms that way, 2.7-3.7 without).
 */
export function encodeLines(lines: readonly string[]): { bytes: Buffer; ascii: boolean } {
  const text = lines.join('\n');
  const size = Buffer.byteLength(text) + 1;
  const bytes = Buffer.allocUnsafeSlow(size);
  bytes.write(text, 0);
  bytes[size - 1] = 0x0a;
  return { bytes, ascii: size === text.length + 1 };
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
    // Joined, with the last newline written as a byte (see encodeLines).
    const text = lines.join('\n');
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    this.room(text.length * 3 + 1);
    this.used += this.segment.write(text, this.used);
    this.segment[this.used++] = 0x0a;
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
