import { DecodeError } from '../errors.js';

/**
 * Decodes a Connect `Decimal` (base64 of the big-endian two's-complement unscaled value) to exact
 * decimal text, e.g. `AeII` with scale 4 → `'12.3400'`. Strings, never floats: money must not round.
 */
export function decodeConnectDecimal(base64: string, scale: number, column = '?'): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || !Number.isInteger(scale) || scale < 0) {
    throw new DecodeError(
      'EB_DECODE_BAD_VALUE',
      `column "${column}": expected base64 decimal bytes with a non-negative scale, got ${JSON.stringify(base64)}`,
    );
  }
  const bytes = Buffer.from(base64, 'base64');
  let unscaled = 0n;
  for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
  if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0) unscaled -= 1n << BigInt(bytes.length * 8);
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const sign = unscaled < 0n ? '-' : '';
  if (scale === 0) return sign + digits;
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
