// Turns a setting's validation issues into the lines of `EH_CONFIG_INVALID`. Only our own messages (what was
// expected) and the rejected value, masked for secret settings, are printed: valibot's default messages
// quote the received value, so they are never used.
import type * as v from 'valibot';
import { maskJson, shownValue, URL_SHAPED } from './mask-secrets.js';
import type { Setting } from './setting.js';

const show = (raw: unknown) => (typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw));

/** `.a["b c"][0]`: where an issue sits inside a JSON value. */
function pathOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? [])
    .map((item) => {
      const key = item.key;
      if (typeof key === 'number') return `[${key}]`;
      return typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)
        ? `.${key}`
        : `[${JSON.stringify(key)}]`;
    })
    .join('')
    .replace(/^\./, '');
}

/** The value an issue rejected, as it may be printed. */
function shownInput(setting: Pick<Setting, 'secret'>, input: unknown, key: unknown): string {
  if (!setting.secret) return show(input);
  // Inside a secret JSON value, a key such as `password` masks what it holds.
  if (setting.secret === 'json') return JSON.stringify(maskJson(input, typeof key === 'string' ? key : ''));
  // Which part of a malformed URL is a secret cannot be told: its shape is said instead.
  if (setting.secret === 'url' && typeof input === 'string' && !URL_SHAPED.test(input))
    return `a value without "scheme://" (${input.length} characters, not shown: it may hold a secret)`;
  return JSON.stringify(shownValue(setting, input));
}

/**
 * One line per issue, after the setting's names: `expected an integer from 0 to 65535, got "70000"`, or,
 * inside a JSON value, `at "clickhouse.x".table: expected a table name …, got 5`.
 */
export function describeIssues(
  setting: Pick<Setting, 'secret'>,
  raw: unknown,
  issues: readonly v.BaseIssue<unknown>[],
): string[] {
  return issues.map((issue) => {
    const path = pathOf(issue);
    const message = issue.message;
    if (!path) return `expected ${message}, got ${shownInput(setting, raw, '')}`;
    const at = `at ${path}: `;
    // A missing or unknown key: the message says which keys are allowed; no value to show.
    if (issue.type === 'strict_object' && issue.expected !== 'Object') return `${at}${message}`;
    return `${at}expected ${message}, got ${shownInput(setting, issue.input, issue.path?.at(-1)?.key)}`;
  });
}

/** What a setting expects, for "required" lines: its schema's message for a missing value. */
export function expectedOf(issues: readonly v.BaseIssue<unknown>[] | undefined): string {
  const first = issues?.[0];
  return first && !first.path ? first.message : 'a value';
}
