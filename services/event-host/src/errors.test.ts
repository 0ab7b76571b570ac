import { CodedError } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf, HostError } from './errors.js';

describe('HostError', () => {
  it('is a CodedError, not retriable unless it says so, and its code chooses the exit code', () => {
    const rejected = new HostError('EH_SINK_REJECTED', 'stopped');
    expect(rejected).toBeInstanceOf(CodedError);
    expect(rejected).toMatchObject({ name: 'HostError', code: 'EH_SINK_REJECTED', retriable: false });
    expect(rejected.message).toBe('EH_SINK_REJECTED: stopped');
    expect(new HostError('EH_START_FAILED', 'Kafka', { retriable: true }).retriable).toBe(true);
    expect(exitCodeOf(rejected)).toBe(EXIT.sinkRejected);
    expect(exitCodeOf(new CodedError('EH_SINK_REJECTED', 'not a host error', { retriable: false }))).toBe(
      EXIT.failed,
    );
  });
});
