import { describe, expect, it } from 'vitest';
import { timeZoneWarning } from './table-facts.js';

describe('the Postgres time zone check', () => {
  it('accepts UTC by any of its names and warns about any other zone', () => {
    for (const zone of ['UTC', 'Etc/UTC', 'GMT', 'Etc/Universal', 'Zulu', undefined])
      expect(timeZoneWarning(zone)).toBeUndefined();
    expect(timeZoneWarning('Europe/Berlin')).toMatch(/^Postgres TimeZone is Europe\/Berlin, not UTC: /);
  });
});
