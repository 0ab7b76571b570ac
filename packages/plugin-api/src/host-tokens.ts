import { createToken, type Token } from './token.js';

/** What the host supplies for a token (a database client, a config object). */
export interface HostProvision<T = unknown> {
  token: Token<T>;
  value: T;
}

const appDb = createToken<unknown>('app.db');

/**
 * The app database client the host provides as `app.db` when its Postgres URL is set. `Db` is the client
 * type the plugin expects (e.g. `AppDb` of @engagement/app-db), so this package needs no database driver;
 * every call returns the same token.
 */
export function appDbToken<Db = unknown>(): Token<Db> {
  return appDb as Token<Db>;
}
