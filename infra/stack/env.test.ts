import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStackEnv } from './env.js';
import { StackError } from './stack-error.js';

describe('readStackEnv', () => {
  it('a stack that is not up is a StackError saying what to do (the CLI prints it without a stack trace)', () => {
    const file = join('/nonexistent-stack-dir', 'stack.env');
    expect(() => readStackEnv(file)).toThrow(StackError);
    expect(() => readStackEnv(file)).toThrow(
      `${file} not found: run \`npm run stack -- up\` first, or set STACK_DIR to the directory of a stack that is up`,
    );
  });
});
