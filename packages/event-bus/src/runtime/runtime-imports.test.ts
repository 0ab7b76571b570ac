import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The runtime is written against its ports (ports.ts); adapters live in kafka/ and sinks/*.
const FORBIDDEN = /from\s+'(\.\.\/kafka\/|\.\.\/sinks\/|kafkajs|ioredis|chdb|@clickhouse\/client)[^']*'/g;

describe('runtime imports', () => {
  it('nothing from kafka/, sinks/* or a broker or store client', () => {
    const dir = dirname(fileURLToPath(import.meta.url));
    const found = readdirSync(dir)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .flatMap((name) =>
        [...readFileSync(`${dir}/${name}`, 'utf8').matchAll(FORBIDDEN)].map((m) => `${name}: ${m[0]}`),
      );
    expect(found).toEqual([]);
  });
});
