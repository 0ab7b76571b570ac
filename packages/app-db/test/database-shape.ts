// What a Postgres database really holds, per table, in the terms the Prisma comparison needs.
import type pg from 'pg';

export interface ColumnShape {
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

export interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  uniques: string[][];
  foreignKeys: { columns: string[]; table: string; references: string[]; onDelete: string }[];
  replicaIdentity: string;
}

const onDeleteNames: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

/** Tables of the public schema (without the migration ledger) with columns, keys and replica identity. */
export async function readDatabaseShape(db: pg.Client): Promise<Record<string, TableShape>> {
  const tables: Record<string, TableShape> = {};
  const columns = await db.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    datetime_precision: number | null;
    is_nullable: 'YES' | 'NO';
    column_default: string | null;
  }>(`SELECT table_name, column_name, data_type, udt_name, datetime_precision, is_nullable, column_default
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_migrations'`);
  for (const c of columns.rows) {
    tables[c.table_name] ??= {
      columns: {},
      primaryKey: [],
      uniques: [],
      foreignKeys: [],
      replicaIdentity: '',
    };
    const type =
      c.data_type === 'USER-DEFINED'
        ? `enum:${c.udt_name}`
        : c.data_type === 'ARRAY'
          ? `${c.udt_name.slice(1)}[]`
          : c.data_type.startsWith('timestamp')
            ? `${c.data_type}(${c.datetime_precision})`
            : c.data_type;
    tables[c.table_name]!.columns[c.column_name] = {
      type,
      nullable: c.is_nullable === 'YES',
      hasDefault: c.column_default !== null,
    };
  }
  const constraints = await db.query<{
    table: string;
    contype: 'p' | 'u' | 'f';
    columns: string[];
    ref_table: string | null;
    ref_columns: string[] | null;
    confdeltype: string;
  }>(`SELECT c.conrelid::regclass::text AS table, c.contype,
             ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
             c.confrelid::regclass::text AS ref_table,
             ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_columns,
             c.confdeltype
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')`);
  const unquote = (name: string) => name.replace(/^"|"$/g, '');
  for (const c of constraints.rows) {
    const table = tables[unquote(c.table)];
    if (!table) continue;
    if (c.contype === 'p') table.primaryKey = c.columns;
    if (c.contype === 'u') table.uniques.push(c.columns);
    if (c.contype === 'f') {
      table.foreignKeys.push({
        columns: c.columns,
        table: unquote(c.ref_table ?? ''),
        references: c.ref_columns ?? [],
        onDelete: onDeleteNames[c.confdeltype] ?? c.confdeltype,
      });
    }
  }
  const identities = await db.query<{ relname: string; relreplident: string }>(
    `SELECT relname, relreplident FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'`,
  );
  for (const r of identities.rows) {
    const table = tables[r.relname];
    if (table) table.replicaIdentity = r.relreplident === 'f' ? 'full' : r.relreplident;
  }
  return tables;
}

/** Labels of every enum type of the public schema, in declaration order. */
export async function readEnums(db: pg.Client): Promise<Record<string, string[]>> {
  const rows = await db.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
     WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname`,
  );
  return Object.fromEntries(rows.rows.map((r) => [r.name, r.labels]));
}
