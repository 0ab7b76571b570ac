const CLICKHOUSE_DATETIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/;

/**
 * Parses ClickHouse's default text rendering of DateTime/DateTime64 ('YYYY-MM-DD hh:mm:ss[.fff…]') as
 * UTC. The text carries no zone, so the columns must be declared in UTC (`DateTime64(3, 'UTC')`).
 * Fractions beyond ms are truncated. Returns undefined for any other text.
 */
export function parseClickHouseDateTime(text: string): Date | undefined {
  const match = CLICKHOUSE_DATETIME.exec(text);
  if (match === null) return undefined;
  const fraction = (match[3] ?? '.0').slice(1, 4).padEnd(3, '0');
  const date = new Date(`${match[1]}T${match[2]}.${fraction}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
