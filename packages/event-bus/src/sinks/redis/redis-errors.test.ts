import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isRetriableRedisError } from './redis-errors.js';

const reply = (message: string) => new ReplyError(message);

describe('isRetriableRedisError', () => {
  it('stops on replies a retry cannot fix', () => {
    expect(
      isRetriableRedisError(reply('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toBe(false);
    expect(
      isRetriableRedisError(
        reply('ERR Error running script (call to f_1): @user_script:3: WRONGTYPE Operation against a key'),
      ),
    ).toBe(false);
    expect(isRetriableRedisError(reply('NOAUTH Authentication required.'))).toBe(false);
    expect(isRetriableRedisError(reply('NOPERM this user has no permissions'))).toBe(false);
  });

  it('retries NOSCRIPT, failover and load replies, generic ERR and connection errors', () => {
    expect(isRetriableRedisError(reply('NOSCRIPT No matching script. Please use EVAL.'))).toBe(true);
    expect(isRetriableRedisError(reply("READONLY You can't write against a read only replica."))).toBe(true);
    expect(isRetriableRedisError(reply('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isRetriableRedisError(reply('OOM command not allowed when used memory > maxmemory'))).toBe(true);
    expect(isRetriableRedisError(reply('ERR max number of clients reached'))).toBe(true);
    expect(
      isRetriableRedisError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
  });
});
