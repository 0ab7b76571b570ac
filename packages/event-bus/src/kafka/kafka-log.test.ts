import { createRequire } from 'node:module';
import type { Logger } from '@engagement/plugin-api';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogCreator, MOVING_LEADER_ERRORS } from './kafka-log.js';

function recording() {
  const lines: [string, string][] = [];
  const at = (level: string) => (_fields: object, message: string) => void lines.push([level, message]);
  const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { lines, log: log as unknown as Logger };
}

const response = (error: string) => ({
  namespace: 'Connection',
  level: logLevel.ERROR,
  label: 'ERROR',
  log: { message: 'Response ListOffsets(key: 2, version: 3)', timestamp: '', logger: 'kafkajs', error },
});

describe('kafkajs logs', () => {
  it('puts a response saying a leader is moving at debug, other error responses at warn', () => {
    const { lines, log } = recording();
    const write = kafkaLogCreator(log)(logLevel.DEBUG);
    write(response('This server is not the leader for that topic-partition'));
    write(response('Not authorized to access topics: [Topic authorization failed]'));
    expect(lines).toEqual([
      ['debug', 'Response ListOffsets(key: 2, version: 3)'],
      ['warn', 'Response ListOffsets(key: 2, version: 3)'],
    ]);
  });

  it('names errors by the messages kafkajs gives them, and only ones it retries', () => {
    // kafkajs keeps its error table in a file its package does not export: read it from its path.
    const { errorCodes } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
      errorCodes: { type: string; message: string; retriable: boolean }[];
    };
    for (const message of MOVING_LEADER_ERRORS) {
      expect(errorCodes.find((e) => e.message === message)).toMatchObject({ retriable: true });
    }
  });
});
