import { describe, expect, it } from 'vitest';
import { type JsonLines, JsonLinesBuffer, toJsonLines } from './json-lines.js';

const text = (blocks: readonly JsonLines[]) => blocks.map((b) => b.bytes.toString()).join('');
const rows = (blocks: readonly JsonLines[]) => blocks.reduce((n, b) => n + b.rows, 0);
const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `{"n":${from + i},"s":"é"}`);

describe('JsonLinesBuffer', () => {
  it('gives back every line appended, in order, as blocks of few segments', () => {
    const buffer = new JsonLinesBuffer(256);
    const batches = [lines(0, 1), lines(1, 3), lines(4, 2), lines(6, 5)];
    for (const batch of batches) buffer.append(batch);
    expect(buffer.rows).toBe(11);
    const blocks = buffer.take();
    expect(text(blocks)).toBe(toJsonLines(batches.flat()).bytes.toString());
    expect(rows(blocks)).toBe(11);
    // A batch larger than a segment gets a segment of its own; smaller ones share.
    expect(blocks.length).toBeLessThan(batches.length);
    expect(buffer.rows).toBe(0);
    expect(buffer.take()).toEqual([]);
  });

  it('takes lines given as bytes between lines given as text, across segments', () => {
    const buffer = new JsonLinesBuffer(256);
    const batches = [lines(0, 2), lines(2, 9), lines(11, 3), lines(14, 1)];
    batches.forEach((batch, i) => {
      if (i % 2 === 1) buffer.appendBytes(new Uint8Array(toJsonLines(batch).bytes), batch.length);
      else buffer.append(batch);
    });
    buffer.appendBytes(new Uint8Array(0), 0);
    expect(buffer.rows).toBe(15);
    const blocks = buffer.take();
    expect(text(blocks)).toBe(toJsonLines(batches.flat()).bytes.toString());
    expect(rows(blocks)).toBe(15);
  });

  it('keeps a taken block intact while later lines fill the rest of its segment', () => {
    const buffer = new JsonLinesBuffer(1024);
    buffer.append(lines(0, 2));
    const first = buffer.take();
    const before = text(first);
    buffer.append(lines(2, 3));
    expect(text(first)).toBe(before);
    expect(first[0]!.bytes.buffer).toBe(buffer.take()[0]!.bytes.buffer);
  });

  it('holds blocks put back (a failed flush) ahead of the lines appended since', () => {
    const buffer = new JsonLinesBuffer(128);
    buffer.append(lines(0, 2));
    const failed = buffer.take();
    buffer.append(lines(2, 2));
    buffer.putBack(failed);
    expect(buffer.rows).toBe(4);
    const blocks = buffer.take();
    expect(text(blocks)).toBe(toJsonLines(lines(0, 4)).bytes.toString());
    expect(rows(blocks)).toBe(4);
  });
});
