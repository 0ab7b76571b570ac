// The Prisma schema as data (DMMF), read with the same schema engine (wasm) the CLI bundles.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import schemaWasm from '@prisma/prisma-schema-wasm';

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  hasDefaultValue: boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
  uniqueFields: string[][];
}

export interface Dmmf {
  datamodel: { models: DmmfModel[]; enums: { name: string; values: { name: string }[] }[] };
}

export const schemaPath = fileURLToPath(new URL('../prisma/schema.prisma', import.meta.url));

/** DMMF of packages/app-db/prisma/schema.prisma. */
export function readDmmf(path = schemaPath): Dmmf {
  const schema = readFileSync(path, 'utf8');
  return JSON.parse(
    schemaWasm.get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schema]] })),
  ) as Dmmf;
}
