import type { AppDb } from '@engagement/app-db';
import { createToken, type Token } from '@engagement/event-bus';

/**
 * The app database's Prisma client (`createAppDb` from `@engagement/app-db`). The host provides it; the
 * lookups plugin builds every Prisma-backed lookup from it.
 */
export const appDbToken: Token<AppDb> = createToken<AppDb>('app.db');
