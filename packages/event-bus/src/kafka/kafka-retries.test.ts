import { isRetriable, silentLogger } from '@engagement/plugin-api';
import type { Admin } from 'kafkajs';
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SinkError } from '../errors.js';
import { retriableWhenRetriesRanOut } from './kafka-retries.js';
import { pipelineResendFilter } from './pipeline-resends.js';

const outage = () =>
  new KafkaJSNumberOfRetriesExceeded(new Error('Connection error: connect ECONNREFUSED'), {
    retryCount: 8,
    retryTime: 30_000,
  });

describe('retriableWhenRetriesRanOut', () => {
  it('turns kafkajs "retries exhausted" (flagged non-retriable) into a retriable kafka SinkError', () => {
    const exhausted = outage();
    expect(isRetriable(exhausted)).toBe(false);
    const error = (() => {
      try {
        retriableWhenRetriesRanOut(exhausted);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SinkError);
    expect(error).toMatchObject({ code: 'EB_SINK_UNAVAILABLE', sink: 'kafka', retriable: true });
    expect(isRetriable(error)).toBe(true);
  });

  it('rethrows any other error as it is', () => {
    const denied = new KafkaJSNonRetriableError('Not authorized to access group');
    expect(() => retriableWhenRetriesRanOut(denied)).toThrow(denied);
  });
});

describe('pipelineResendFilter', () => {
  /** An admin client whose `fetchOffsets` throws the given errors, in order, then finds nothing committed. */
  function adminFailing(...errors: Error[]) {
    const admin = {
      calls: 0,
      async fetchOffsets() {
        const error = errors[admin.calls++];
        if (error) throw error;
        return [{ topic: 'app.public.Post', partitions: [] }];
      },
    };
    return admin;
  }
  const record = { topic: 'app.public.Post', partition: 0, offset: '0', key: null, value: null, headers: {} };
  const filterWith = (admin: ReturnType<typeof adminFailing>) =>
    pipelineResendFilter({
      admin: admin as unknown as Admin,
      groupId: 'g',
      redis: { defineCommand: () => undefined } as never, // the first-seen store is never reached here
      logger: silentLogger,
      signal: new AbortController().signal,
      attempt: (_rows, write) => write(),
    });

  it('waits out a Kafka outage that outlasted the admin client’s own retries', async () => {
    const admin = adminFailing(outage());
    await expect(filterWith(admin).open([record])).resolves.toBeDefined();
    expect(admin.calls).toBe(2);
  });

  it('stops at once on an error kafkajs marks non-retriable for another reason', async () => {
    const denied = new KafkaJSNonRetriableError('Not authorized to access group');
    const admin = adminFailing(denied);
    await expect(filterWith(admin).open([record])).rejects.toBe(denied);
    expect(admin.calls).toBe(1);
  });
});
