import { describe, expect, it } from 'vitest';
import { createInstrumentation, type InstrumentationEvent } from './instrumentation.js';

const skipped: InstrumentationEvent = { type: 'ingest.record.skipped' };

describe('createInstrumentation', () => {
  it('hands every event to every subscriber, in subscription order, before emit returns', () => {
    const channel = createInstrumentation();
    const seen: string[] = [];
    channel.subscribe((e) => seen.push(`a:${e.type}`));
    channel.subscribe((e) => seen.push(`b:${e.type}`));
    channel.emit(skipped);
    expect(seen).toEqual(['a:ingest.record.skipped', 'b:ingest.record.skipped']);
  });

  it('stops calling a subscriber once it unsubscribed; the others go on', () => {
    const channel = createInstrumentation();
    let a = 0;
    let b = 0;
    const stopA = channel.subscribe(() => a++);
    channel.subscribe(() => b++);
    channel.emit(skipped);
    stopA();
    stopA();
    channel.emit(skipped);
    expect({ a, b }).toEqual({ a: 1, b: 2 });
  });

  it('gives a throwing subscriber to onError and still calls the rest', () => {
    const errors: [unknown, string][] = [];
    const channel = createInstrumentation((error, event) => errors.push([error, event.type]));
    let after = 0;
    const boom = new Error('boom');
    channel.subscribe(() => {
      throw boom;
    });
    channel.subscribe(() => after++);
    expect(() => channel.emit(skipped)).not.toThrow();
    expect(after).toBe(1);
    expect(errors).toEqual([[boom, 'ingest.record.skipped']]);
  });

  it('without onError, throws what a subscriber threw after every subscriber ran', () => {
    const channel = createInstrumentation();
    let after = 0;
    channel.subscribe(() => {
      throw new Error('boom');
    });
    channel.subscribe(() => after++);
    expect(() => channel.emit(skipped)).toThrow('boom');
    expect(after).toBe(1);
  });
});
