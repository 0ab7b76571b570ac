// The database shape the Prisma schema implies, in the terms of database-shape.ts.
import type { TableShape } from './database-shape.js';
import type { Dmmf, DmmfModel } from './prisma-dmmf.js';

const scalarTypes: Record<string, string> = {
  Int: 'integer',
  BigInt: 'bigint',
  String: 'text',
  Boolean: 'boolean',
  DateTime: 'timestamp without time zone(3)',
  Json: 'jsonb',
  Float: 'double precision',
};
const arrayTypes: Record<string, string> = { String: 'text[]', Int: 'int4[]' };

const tableName = (m: DmmfModel) => m.dbName ?? m.name;
const sorted = (lists: string[][]) =>
  lists.map((l) => [...l]).sort((a, b) => a.join().localeCompare(b.join()));

/** Table name → expected shape, for every model of the schema. */
export function expectedShape(dmmf: Dmmf): Record<string, TableShape> {
  const byName = new Map(dmmf.datamodel.models.map((m) => [m.name, m]));
  const out: Record<string, TableShape> = {};
  for (const model of dmmf.datamodel.models) {
    const columns: TableShape['columns'] = {};
    const uniques: string[][] = [...model.uniqueFields];
    const foreignKeys: TableShape['foreignKeys'] = [];
    let primaryKey = model.primaryKey?.fields ?? [];
    for (const f of model.fields) {
      const column = f.dbName ?? f.name;
      if (f.kind === 'object') {
        if (f.relationFromFields?.length) {
          foreignKeys.push({
            columns: f.relationFromFields,
            table: tableName(byName.get(f.type)!),
            references: f.relationToFields ?? [],
            onDelete: f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull'),
          });
        }
        continue;
      }
      const type = f.kind === 'enum' ? `enum:${f.type}` : f.isList ? arrayTypes[f.type] : scalarTypes[f.type];
      if (type === undefined) throw new Error(`${model.name}.${f.name}: no mapping for ${f.type}`);
      columns[column] = { type, nullable: !f.isRequired, hasDefault: f.hasDefaultValue };
      if (f.isId) primaryKey = [column];
      if (f.isUnique) uniques.push([column]);
    }
    out[tableName(model)] = {
      columns,
      primaryKey,
      uniques: sorted(uniques),
      foreignKeys: foreignKeys.sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
      replicaIdentity: 'full',
    };
  }
  return out;
}

/** The same ordering as `expectedShape`, so the two compare with toEqual. */
export function normalise(shape: TableShape): TableShape {
  return {
    ...shape,
    uniques: sorted(shape.uniques),
    foreignKeys: [...shape.foreignKeys].sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
  };
}
