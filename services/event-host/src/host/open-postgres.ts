import pg from 'pg';
import { maskUrl } from '../config/mask-secrets.js';
import { unreachable } from './unreachable.js';

/**
 * A command's pool on the app database, checked with one query. Unchecked, a database it cannot reach
 * surfaced at the command's first query as pg's bare error with a stack ("connect ECONNREFUSED …"); here it
 * is one error naming the setting and where it points (password masked). The pool's idle-client errors are
 * not printed either: the command's queries fail with them.
 */
export async function connectPostgresFor(
  config: { postgres: { url?: string } },
  options: { max?: number } = {},
): Promise<pg.Pool> {
  const url = config.postgres.url ?? '';
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 2 });
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unreachable(
      'EVENT_HOST_POSTGRES_URL (postgres.url)',
      `cannot reach Postgres at ${maskUrl(url)}`,
      error,
    );
  }
  return pool;
}
