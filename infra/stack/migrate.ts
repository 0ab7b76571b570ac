import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { postgresMigrationsDir } from './paths.js';

/**
 * Applies infra/postgres/migrations/*.sql in file-name order, each in its own transaction,
 * and records it in "_migrations" so a second `up` applies nothing. Prisma cannot run its own
 * migrate here (no schema engine download), so plain SQL files are the source of truth.
 * Returns the names applied by this call.
 */
export async function applyMigrations(url: string, dir = postgresMigrationsDir): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS "_migrations" (
      "name" text PRIMARY KEY,
      "checksum" text NOT NULL,
      "appliedAt" timestamp(3) NOT NULL DEFAULT now()
    )`);
    // Two `up`s racing (CLI and a test's global setup) must not apply a file twice.
    await client.query('SELECT pg_advisory_lock(727001)');
    const done = new Map<string, string>(
      (
        await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM "_migrations"')
      ).rows.map((r) => [r.name, r.checksum]),
    );
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    for (const file of files) {
      const sql = readFileSync(join(dir, file), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = done.get(file);
      if (previous !== undefined) {
        if (previous !== checksum) {
          process.emitWarning(
            `migration ${file} changed after it was applied; add a new migration instead (reset the stack with \`down --purge\`)`,
          );
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO "_migrations" (name, checksum) VALUES ($1, $2)', [file, checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      applied.push(file);
    }
    await client.query('SELECT pg_advisory_unlock(727001)');
  } finally {
    await client.end();
  }
  return applied;
}
