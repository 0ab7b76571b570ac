// Installs what a fresh clone lacks before `npm test` / `npm start`: npm packages when node_modules is
// missing or older than the lockfile, and the generated Prisma client of @engagement/app-db when it is
// missing or older than its schema (it is never committed). Maven jars are resolved by the stack
// script on first `up`.
// Plain Node on purpose: it must run before any dependency exists.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  // `npm install`, not `npm ci`: see .ci/run for the npm 11 lockfile bug that makes `npm ci` refuse it.
  console.log('[ensure-deps] installing npm packages…');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

const appDb = join(root, 'packages', 'app-db');
const schema = join(appDb, 'prisma', 'schema.prisma');
const client = join(appDb, 'src', 'generated', 'prisma', 'client.ts');
if (!existsSync(client) || statSync(client).mtimeMs < statSync(schema).mtimeMs) {
  console.log('[ensure-deps] generating the Prisma client of @engagement/app-db…');
  execFileSync(process.execPath, [join(appDb, 'scripts', 'generate.mjs')], { cwd: appDb, stdio: 'inherit' });
}
