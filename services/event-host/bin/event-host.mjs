#!/usr/bin/env node
// The `event-host` executable, linked as node_modules/.bin/event-host. A build (dist/main.js) runs as is, in
// process; without one, as in the repository after `npm install`, this runs src/main.ts through tsx with the
// "source" condition (how every workspace package exports its TypeScript) in a child process, so worker
// threads inherit the same loader. Plain JavaScript on purpose: it must run before anything is compiled.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/main.js', import.meta.url);

if (existsSync(fileURLToPath(dist))) {
  await import(dist.href);
} else {
  runFromSource();
}

function runFromSource() {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  let tsx;
  try {
    // Resolved from this file, not from the current directory: the CLI works from anywhere in the repository.
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write(
      'event-host: there is no build (dist/main.js) and tsx is not installed to run the sources: run `npm install` (or `npm run build`) at the repository root\n',
    );
    process.exit(1);
  }
  generatePrismaClient();
  const child = spawn(
    process.execPath,
    [...process.execArgv, '--conditions=source', '--import', tsx, main, ...process.argv.slice(2)],
    // The IPC channel only tells the child when this process is gone (src/main.ts); nothing is sent on it.
    { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: withLocalStackSettings(process.env) },
  );
  // The host handles SIGINT/SIGTERM itself (and treats a repeat within 0.5 s as one, for wrappers like this).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (error) => {
    process.stderr.write(`event-host: cannot start node: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}

/**
 * In the repository only: the generated Prisma client that the sources import (never committed; npm start and
 * npm test make it too), so the CLI works right after `npm install`. Its output goes to stderr: stdout is the
 * command's (`--json`).
 */
function generatePrismaClient() {
  const script = fileURLToPath(new URL('../../../packages/app-db/scripts/generate.mjs', import.meta.url));
  if (!existsSync(script)) return;
  const run = spawnSync(process.execPath, [script, '--if-stale'], { stdio: ['ignore', 2, 2] });
  if (run.status !== 0) {
    process.stderr.write(
      'event-host: could not generate the Prisma client of @engagement/app-db (above): run `node scripts/ensure-deps.mjs` at the repository root\n',
    );
    process.exit(1);
  }
}

/**
 * In the repository only (never from a build): when no config file is named, the settings that `npm start`
 * wrote for the host it runs (<stack dir>/event-host.json), so `npx event-host metrics drift` in another
 * terminal reaches the same local stack. EVENT_HOST_* variables still override them.
 */
function withLocalStackSettings(env) {
  const args = process.argv.slice(2);
  if (env.EVENT_HOST_CONFIG_FILE || args.some((a) => a === '--config' || a.startsWith('--config=')))
    return env;
  const stackDir = env.STACK_DIR || fileURLToPath(new URL('../../../.stack', import.meta.url));
  const file = join(stackDir, 'event-host.json');
  const told = !args.includes('--help') && !args.includes('-h') && args.length > 0;
  if (!existsSync(file)) {
    // Nothing configured at all: say where the settings of a running `npm start` were looked for.
    if (told && !Object.keys(env).some((k) => k.startsWith('EVENT_HOST_')))
      process.stderr.write(
        `event-host: no settings written by npm start at ${file} (set STACK_DIR to the stack's folder, or EVENT_HOST_* variables)\n`,
      );
    return env;
  }
  if (told)
    process.stderr.write(
      `event-host: settings from ${file} (written by npm start); EVENT_HOST_* variables override them\n`,
    );
  return { ...env, EVENT_HOST_CONFIG_FILE: file };
}
