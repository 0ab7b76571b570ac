import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

/** The app database client: Prisma 7 over node-postgres, no query engine binary. */
export type AppDb = InstanceType<typeof PrismaClient>;

/** How to reach the app database. */
export interface AppDbOptions {
  /** A Postgres connection string, e.g. the stack's `POSTGRES_URL`. */
  url: string;
  /** Pool size of the adapter's node-postgres pool; lookups batch, so few connections suffice. */
  maxConnections?: number;
}

/**
 * Opens a Prisma client on the app database. The caller owns it and must `$disconnect()` it.
 * Connections are made lazily, on the first query.
 */
export function createAppDb(options: AppDbOptions): AppDb {
  const adapter = new PrismaPg({ connectionString: options.url, max: options.maxConnections ?? 4 });
  return new PrismaClient({ adapter });
}
