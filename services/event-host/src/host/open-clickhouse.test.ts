import { describe, expect, it } from 'vitest';
import { connectClickHouseFor } from './open-clickhouse.js';

describe('connectClickHouseFor', () => {
  it('a server it cannot reach is one error naming the setting, the password masked', async () => {
    const refused = connectClickHouseFor({
      clickhouse: { url: 'http://app:S3cretPw@127.0.0.1:1' },
    } as Parameters<typeof connectClickHouseFor>[0]);
    await expect(refused).rejects.toMatchObject({ code: 'EH_START_FAILED' });
    await expect(refused).rejects.toThrow(
      'EVENT_HOST_CLICKHOUSE_URL (clickhouse.url): cannot reach ClickHouse at http://***@127.0.0.1:1: connect ECONNREFUSED',
    );
    await expect(refused).rejects.not.toThrow(/S3cretPw/);
  });
});
