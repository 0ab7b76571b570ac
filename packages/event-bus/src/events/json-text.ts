/**
 * Whole digit runs of 16 or more: an integer of 15 digits or fewer is always within ±2^53. The lookbehind
 * makes the scan skip positions inside a run (without it the check costs 1.5 µs per change instead of 0.8).
 */
const LONG_DIGIT_RUN = /(?<!\d)\d{16,}/g;
/** 2^53, the smallest unsafe magnitude: a 16-digit run at least this (compared as text) may be unsafe. */
const MIN_UNSAFE_16_DIGITS = '9007199254740992';
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** 2^53: a parsed number below it in magnitude is an integer literal's exact value, or not an integer. */
const TWO_POW_53 = 2 ** 53;

/**
 * Parses JSON like `JSON.parse`, except that integers outside ±2^53 become their decimal text (a string).
 *
 * Why: Postgres bigint and ClickHouse UInt64/Int64 values routinely exceed 2^53, and `JSON.parse` would
 * silently round them. Strings keep every digit and match what ClickHouse already emits by default
 * (`output_format_json_quote_64bit_integers=1`), so listeners see one convention: int64 is a `number`
 * when safe, else a decimal string. Non-integer numbers are left alone (they are doubles at the source).
 *
 * `JSON.parse` runs first, and its result stands when `readsExactly` accepts it (default: no number in it is
 * 2^53 or more in magnitude). That is exact: an integer literal at or beyond ±2^53 cannot parse to a smaller
 * magnitude (rounding keeps order and 2^53 is a double), so a result that passes held no such literal, and
 * quoting would have changed nothing. A caller that reads only part of a document may pass a check of that
 * part (the Debezium decoder: the rows, not the envelope's `ts_ns`). Otherwise the text is scanned.
 */
export function parseJson(
  text: string,
  readsExactly: (parsed: unknown) => boolean = holdsNoLargeNumber,
): unknown {
  const parsed = JSON.parse(text);
  return readsExactly(parsed) ? parsed : parseScanned(text, parsed);
}

/**
 * True when no number in `value` (through arrays and objects) is 2^53 or more in magnitude: then every
 * integer in it is what its literal said. A fraction or an exponent that large makes it false too (harmless:
 * the scan then gives the same number).
 */
export function holdsNoLargeNumber(value: unknown): boolean {
  if (typeof value === 'number') return value < TWO_POW_53 && value > -TWO_POW_53;
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!holdsNoLargeNumber(value[i])) return false;
    return true;
  }
  for (const key in value) {
    if (!holdsNoLargeNumber((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * `parseJson` from the text: integer literals beyond ±2^53 are found and quoted before `JSON.parse`. With none
 * (a large number was a fraction or an exponent), `parsed`, the text's plain `JSON.parse`, is already exact.
 */
function parseScanned(text: string, parsed: unknown): unknown {
  const runs = unsafeIntegerRuns(text);
  if (runs === undefined) return parsed;
  // Quote just the runs found (a real Debezium message has one: `source.ts_ns`). A run that is not a whole
  // integer literal (inside a string, a fraction or an exponent, or followed by one) makes the quoted text
  // invalid JSON: a quote inserted in a string closes it right before a digit or `-`, and a quote next to
  // `.`, `e` or a digit cannot follow or precede a value. So when this parses, it parsed exactly the literals
  // the full scan would have quoted; when it does not, the full scan decides (and reports real syntax errors).
  try {
    return JSON.parse(quoteRuns(text, runs));
  } catch {
    return JSON.parse(quoteUnsafeIntegers(text));
  }
}

/**
 * The [start, end) of every digit run that would be an integer beyond ±2^53 (a leading `-` included), or
 * undefined when there is none, the common case. See `mayHoldUnsafeInteger` for the rule.
 */
function unsafeIntegerRuns(text: string): number[] | undefined {
  const runs: number[] = [];
  LONG_DIGIT_RUN.lastIndex = 0;
  for (let m = LONG_DIGIT_RUN.exec(text); m !== null; m = LONG_DIGIT_RUN.exec(text)) {
    // Same length, so comparing the text compares the values.
    if (m[0].length > 16 || m[0] >= MIN_UNSAFE_16_DIGITS) {
      const start = text.charCodeAt(m.index - 1) === 0x2d /* - */ ? m.index - 1 : m.index;
      runs.push(start, m.index + m[0].length);
    }
  }
  return runs.length > 0 ? runs : undefined;
}

function quoteRuns(text: string, runs: number[]): string {
  let out = '';
  let copiedUpTo = 0;
  for (let i = 0; i < runs.length; i += 2) {
    out += `${text.slice(copiedUpTo, runs[i])}"${text.slice(runs[i], runs[i + 1])}"`;
    copiedUpTo = runs[i + 1]!;
  }
  return out + text.slice(copiedUpTo);
}

/**
 * True when `text` has a digit run that would be an integer beyond ±2^53: 17 or more digits, or 16 digits
 * from 9007199254740992 up. Exact for every integer literal; runs inside strings or fractions only cost
 * the slow path, whose result is then the same. A microsecond timestamp (16 digits, below 2^53) is not one:
 * checking for any 16-digit run sent every Debezium change down the slow path.
 * Exported for tests; not part of the package entry.
 */
export function mayHoldUnsafeInteger(text: string): boolean {
  return unsafeIntegerRuns(text) !== undefined;
}

/** Wraps every integer literal beyond ±2^53 outside strings in quotes. Exported for tests. */
export function quoteUnsafeIntegers(text: string): string {
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
