// The Prisma schema and the SQL migrations describe one database: apply the migrations to a fresh
// database and compare every table, column type, nullability, default, key, foreign key, enum and replica
// identity with what schema.prisma declares. Either side changing alone fails here.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyMigrations } from '../../../infra/stack/migrate.js';
import { readDatabaseShape, readEnums, type TableShape } from './database-shape.js';
import { readDmmf } from './prisma-dmmf.js';
import { expectedShape, normalise } from './prisma-shape.js';

// Tables the migrations create for the stack's own tests, not part of the app's model.
const NOT_APP_TABLES = ['TypeProbe'];

const env = inject('stackEnv');
const database = `app_schema_check_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const admin = new pg.Client({ connectionString: env.POSTGRES_URL });
const url = new URL(env.POSTGRES_URL!);
url.pathname = `/${database}`;
const db = new pg.Client({ connectionString: url.toString() });
let actual: Record<string, TableShape>;
let applyMs = 0;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const started = performance.now();
  const applied = await applyMigrations(url.toString());
  applyMs = performance.now() - started;
  expect(applied.length).toBeGreaterThanOrEqual(2);
  await db.connect();
  actual = await readDatabaseShape(db);
  for (const t of NOT_APP_TABLES) delete actual[t];
});

afterAll(async () => {
  console.log(`migrations applied to an empty database in ${applyMs.toFixed(0)} ms`);
  await db.end().catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  await admin.end();
});

describe('schema.prisma and infra/postgres/migrations', () => {
  const dmmf = readDmmf();
  const expected = expectedShape(dmmf);

  it('have the same tables', () => {
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [table, shape] of Object.entries(expected)) {
    it(`agree on "${table}" (columns, keys, foreign keys, REPLICA IDENTITY FULL)`, () => {
      expect(actual[table] && normalise(actual[table])).toEqual(shape);
    });
  }

  it('have the same enums and labels', async () => {
    const enums = await readEnums(db);
    expect(enums).toEqual(
      Object.fromEntries(dmmf.datamodel.enums.map((e) => [e.name, e.values.map((v) => v.name)])),
    );
  });
});
