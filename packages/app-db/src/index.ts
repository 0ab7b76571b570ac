/**
 * The app's data model: the Prisma client of the source tables the listeners read (see
 * prisma/schema.prisma; the SQL migrations in infra/postgres/migrations create them).
 */
export { type AppDb, type AppDbOptions, createAppDb } from './create-app-db.js';
export { Prisma } from './generated/prisma/client.js';
export * from './generated/prisma/enums.js';
export type * from './generated/prisma/models.js';
