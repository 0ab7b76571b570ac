import type { ClickHouseHttpRequest } from './request.js';

/** A ClickHouse SQL string literal. Backslash escapes, as the engine's parser reads them. */
export function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface Statement {
  /** Run first, on the request's own engine connection: database, settings and parameter values. */
  setup: string[];
  /** The request's SQL: the `query` parameter followed by the body. */
  sql: string;
  /** Output format named by a trailing FORMAT clause, if any (it wins over `default_format`). */
  explicitFormat?: string;
  isInsert: boolean;
}

/**
 * Builds what the engine runs for one request. Parameter values are handed to the engine with
 * `SET param_<name> = '<text>'`: the engine then parses the client's text by the placeholder's
 * declared type, exactly as the server parses a `param_<name>` URL value. (chdb's queryBind
 * re-escapes string values, which breaks text the client has already escaped, e.g. `['a\'b']`.)
 */
export function buildStatement(req: ClickHouseHttpRequest, body: string): Statement {
  const sql = [req.queryPrefix, body].filter((part) => part.length > 0).join(req.queryPrefix ? '\n' : '');
  const assignments = [
    ...Object.entries(req.settings).map(([k, v]) => `${k} = ${sqlString(v)}`),
    ...Object.entries(req.params).map(([k, v]) => `param_${k} = ${sqlString(v)}`),
  ];
  const setup: string[] = [];
  if (req.database !== 'default') setup.push(`USE ${quoteIdentifier(req.database)}`);
  if (assignments.length) setup.push(`SET ${assignments.join(', ')}`);
  const isInsert = /^\s*INSERT\b/i.test(stripLeadingComments(sql));
  const explicitFormat = isInsert ? undefined : /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(sql)?.[1];
  return { setup, sql, explicitFormat, isInsert };
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

function stripLeadingComments(sql: string): string {
  return sql.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, '');
}
