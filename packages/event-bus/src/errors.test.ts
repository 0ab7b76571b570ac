import { describe, expect, it } from 'vitest';
import { CodedError, DecodeError, EventBusError, isRetriable, ListenerError, SinkError } from './errors.js';

describe('CodedError', () => {
  it('carries the code, the retriable flag and the cause, and starts its message with the code', () => {
    const cause = new Error('socket hang up');
    const error = new CodedError('XX_SOMETHING', 'went wrong', { retriable: true, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'XX_SOMETHING', retriable: true, cause, name: 'CodedError' });
    expect(error.message).toBe('XX_SOMETHING: went wrong');
    expect('cause' in new CodedError('XX', 'no cause', { retriable: false })).toBe(false);
  });

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

  it('is what isRetriable reads', () => {
    expect(isRetriable(new CodedError('XX', 'bad data', { retriable: false }))).toBe(false);
    expect(isRetriable(new CodedError('XX', 'outage', { retriable: true }))).toBe(true);
  });
});
