import { CodedError } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { DecodeError, EventBusError, ListenerError, SinkError } from './errors.js';

describe('the event-bus error catalog', () => {
  it('is the base of every event-bus error, which is not retriable unless it says so', () => {
    const errors = [
      new EventBusError('EB_X', 'x'),
      new DecodeError('EB_DECODE_BAD_VALUE', 'x'),
      new ListenerError('l', new Error('boom')),
      new SinkError('redis', 'down'),
    ];
    for (const error of errors) expect(error).toBeInstanceOf(CodedError);
    expect(errors.map((e) => [e.name, e.retriable])).toEqual([
      ['EventBusError', false],
      ['DecodeError', false],
      ['ListenerError', true],
      ['SinkError', true],
    ]);
  });
});
