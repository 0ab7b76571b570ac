import { describe, expect, it } from 'vitest';
import { connectPostgresFor } from './open-postgres.js';

describe('connectPostgresFor', () => {
  it('a database it cannot reach is one error naming the setting, the password masked', async () => {
    const refused = connectPostgresFor({ postgres: { url: 'postgres://app:S3cretPw@127.0.0.1:1/app' } });
    await expect(refused).rejects.toMatchObject({ code: 'EH_START_FAILED' });
    await expect(refused).rejects.toThrow(
      'EVENT_HOST_POSTGRES_URL (postgres.url): cannot reach Postgres at postgres://***@127.0.0.1:1/app: connect ECONNREFUSED',
    );
    await expect(refused).rejects.not.toThrow(/S3cretPw/);
  });
});
