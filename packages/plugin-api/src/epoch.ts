/**
 * Converts an integer count of `unitsPerMs`-sized units since the Unix epoch to a Date (ms precision,
 * rounded down, also before 1970). Accepts a number or decimal text, since ns and µs values above
 * 2^53 arrive as strings (see `parseJson`). Returns undefined for anything else.
 */
export function epochToDate(value: unknown, unitsPerMs: bigint): Date | undefined {
  let units: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) units = BigInt(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) units = BigInt(value);
  else if (typeof value === 'bigint') units = value;
  else return undefined;
  let ms = units / unitsPerMs;
  if (units % unitsPerMs < 0n) ms -= 1n; // BigInt division truncates toward zero; time floors
  const date = new Date(Number(ms));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
