import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parentTables } from './parent-tables.js';

const migrations = fileURLToPath(new URL('../../../../infra/postgres/migrations/', import.meta.url));
const sql = readdirSync(migrations)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => readFileSync(`${migrations}${f}`, 'utf8'))
  .join('\n');

/** Table → the columns its archive trigger keeps, as the migrations create them. */
function archivedColumns(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const trigger = /AFTER DELETE ON "(\w+)"[^;]*?archive_deleted_rows\(([^)]*)\)/g;
  for (const [, table, args] of sql.matchAll(trigger))
    out.set(
      table!,
      [...args!.matchAll(/'(\w+)'/g)].map((m) => m[1]!),
    );
  return out;
}

describe('parentTables and the archive triggers of the migrations', () => {
  it('every parent table a lookup reads archives exactly the columns its relations need', () => {
    const archived = archivedColumns();
    for (const parent of Object.values(parentTables)) {
      expect(archived.get(parent.table), parent.table).toEqual([...parent.columns]);
    }
    expect([...archived.keys()].sort()).toEqual(
      Object.values(parentTables)
        .map((p) => p.table)
        .sort(),
    );
  });
});
