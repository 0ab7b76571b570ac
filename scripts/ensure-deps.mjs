// Installs what a fresh clone lacks before `npm test` / `npm start`: npm packages when node_modules is
// missing (`npm ci`, exactly the lockfile) or older than the lockfile (`npm install`), the generated Prisma
// client of @engagement/app-db when it is missing or older than its schema (it is never committed), and,
// with --for-tests, Debian's Chromium for the status page test. Maven jars are resolved by the stack
// script on first `up`.
// Plain Node on purpose: it must run before any dependency exists.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

if (!existsSync(installed)) {
  // The lockfile lists every platform's optional packages, so `npm ci` accepts it and no install rewrites it.
  console.log('[ensure-deps] installing npm packages (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
} else if (statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.log('[ensure-deps] the lockfile changed: installing npm packages…');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

const appDb = join(root, 'packages', 'app-db');
execFileSync(process.execPath, [join(appDb, 'scripts', 'generate.mjs'), '--if-stale'], {
  cwd: appDb,
  stdio: 'inherit',
});

// The status page test drives Debian's Chromium through playwright-core, which downloads no browser.
const chromium = '/usr/bin/chromium';
if (process.argv.includes('--for-tests') && !existsSync(chromium)) {
  const install = ['apt-get', 'install', '-y', '-qq', 'chromium'];
  if (process.getuid?.() !== 0) {
    console.error(`[ensure-deps] the status page test needs ${chromium}: run \`sudo ${install.join(' ')}\``);
    process.exit(1);
  }
  console.log(`[ensure-deps] installing Debian's Chromium (${install.join(' ')})…`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync(install[0], install.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
