import { meiliErrors } from './meili-error.js';

type Predicate = (doc: Record<string, unknown>) => boolean;

/**
 * A subset of Meilisearch's filter syntax, enough to check feed documents the way the app filters them:
 * `=`, `!=`, `>`, `>=`, `<`, `<=`, `a TO b`, `IN [..]`, `EXISTS`, `NOT`, `AND`, `OR` and parentheses.
 * Array fields match when any element does; string equality ignores case. Attributes must be filterable.
 */
export function compileFilter(filter: string, filterable: readonly string[]): Predicate {
  const tokens = tokenize(filter);
  let at = 0;
  const peek = () => tokens[at];
  const word = (w: string) => peek()?.toUpperCase() === w && !quoted.has(at);
  const take = () => {
    const t = tokens[at++];
    if (t === undefined) throw invalid(filter, 'unexpected end of filter');
    return t;
  };
  const expect = (t: string) => {
    if (take() !== t) throw invalid(filter, `expected \`${t}\``);
  };

  const or = (): Predicate => {
    const parts = [and()];
    while (word('OR')) {
      at++;
      parts.push(and());
    }
    return (d) => parts.some((p) => p(d));
  };
  const and = (): Predicate => {
    const parts = [not()];
    while (word('AND')) {
      at++;
      parts.push(not());
    }
    return (d) => parts.every((p) => p(d));
  };
  const not = (): Predicate => {
    if (word('NOT')) {
      at++;
      const inner = not();
      return (d) => !inner(d);
    }
    return primary();
  };
  const primary = (): Predicate => {
    if (peek() === '(' && !quoted.has(at)) {
      at++;
      const inner = or();
      expect(')');
      return inner;
    }
    const attr = take();
    if (!filterable.includes(attr)) {
      const list = filterable.map((a) => `\`${a}\``).join(', ');
      throw meiliErrors.invalidDocumentFilter(
        `Attribute \`${attr}\` is not filterable. Available filterable attributes are: ${list}.`,
      );
    }
    const negate = word('NOT');
    if (negate) at++;
    let p: Predicate;
    if (word('EXISTS')) {
      at++;
      p = (d) => d[attr] !== undefined;
    } else if (word('IN')) {
      at++;
      expect('[');
      const values: string[] = [];
      while (peek() !== ']') {
        values.push(take());
        if (peek() === ',') at++;
      }
      expect(']');
      p = (d) => anyValue(d[attr], (v) => values.some((x) => equal(v, x)));
    } else {
      const op = take();
      const value = take();
      if (word('TO')) {
        at++;
        const upper = Number(take());
        p = (d) => anyValue(d[attr], (v) => Number(v) >= Number(value) && Number(v) <= upper);
      } else p = comparison(filter, attr, op, value);
    }
    return negate ? (d) => !p(d) : p;
  };

  const quoted = new Set<number>();
  tokens.forEach((t, i) => {
    if (t.startsWith('\u0000')) {
      quoted.add(i);
      tokens[i] = t.slice(1);
    }
  });
  const predicate = or();
  if (at !== tokens.length) throw invalid(filter, `unexpected \`${tokens[at]}\``);
  return predicate;
}

function comparison(filter: string, attr: string, op: string, value: string): Predicate {
  const n = Number(value);
  switch (op) {
    case '=':
      return (d) => anyValue(d[attr], (v) => equal(v, value));
    case '!=':
      return (d) => !anyValue(d[attr], (v) => equal(v, value));
    case '>':
      return (d) => anyValue(d[attr], (v) => Number(v) > n);
    case '>=':
      return (d) => anyValue(d[attr], (v) => Number(v) >= n);
    case '<':
      return (d) => anyValue(d[attr], (v) => Number(v) < n);
    case '<=':
      return (d) => anyValue(d[attr], (v) => Number(v) <= n);
    default:
      throw invalid(filter, `unknown operator \`${op}\``);
  }
}

const anyValue = (value: unknown, test: (v: unknown) => boolean): boolean =>
  Array.isArray(value) ? value.some(test) : value !== undefined && value !== null && test(value);

const equal = (v: unknown, x: string): boolean =>
  typeof v === 'number' ? v === Number(x) : String(v).toLowerCase() === x.toLowerCase();

/** Splits a filter into tokens; quoted strings are marked with a leading NUL so they never read as keywords. */
function tokenize(filter: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:(["'])((?:\\.|(?!\1).)*)\1|(!=|>=|<=|[=<>()[\],])|([^\s=<>!()[\],"']+))/gy;
  for (let m = re.exec(filter); m; m = re.exec(filter)) {
    if (m[2] !== undefined) out.push(`\u0000${m[2].replace(/\\(.)/g, '$1')}`);
    else out.push(m[3] ?? m[4]!);
    if (re.lastIndex >= filter.trimEnd().length) break;
  }
  if (re.lastIndex < filter.trimEnd().length) throw invalid(filter, 'unreadable filter');
  return out;
}

const invalid = (filter: string, why: string) =>
  meiliErrors.invalidDocumentFilter(`Was expecting a valid filter expression: ${why} in \`${filter}\`.`);
