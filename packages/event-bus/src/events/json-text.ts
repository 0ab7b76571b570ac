/** Integer literals at least this long may exceed 2^53; shorter ones never do, so they skip the slow path. */
const LONG_INTEGER = /\d{16}/;
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parses JSON like `JSON.parse`, except that integers outside ±2^53 become their decimal text (a string).
 *
 * Why: Postgres bigint and ClickHouse UInt64/Int64 values routinely exceed 2^53, and `JSON.parse` would
 * silently round them. Strings keep every digit and match what ClickHouse already emits by default
 * (`output_format_json_quote_64bit_integers=1`), so listeners see one convention: int64 is a `number`
 * when safe, else a decimal string. Non-integer numbers are left alone (they are doubles at the source).
 */
export function parseJson(text: string): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  return JSON.parse(quoteUnsafeIntegers(text));
}

function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i = skipString(text, i);
      continue;
    }
    if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      NUMBER_TOKEN.lastIndex = i;
      const token = NUMBER_TOKEN.exec(text)?.[0];
      if (token === undefined) return text; // malformed: let JSON.parse report it
      if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(copiedUpTo, i)}"${token}"`;
        copiedUpTo = i + token.length;
      }
      i += token.length;
      continue;
    }
    i++;
  }
  return out + text.slice(copiedUpTo);
}

/** Returns the index just past the string literal starting at `start` (which is a `"`). */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c /* \ */) i += 2;
    else if (ch === 0x22) return i + 1;
    else i++;
  }
  return i;
}
