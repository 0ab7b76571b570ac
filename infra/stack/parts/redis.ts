import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { configUnchanged } from '../config-file.js';
import type { Part, StackContext } from '../part.js';
import { choosePort } from '../ports.js';
import {
  cmdlineIncludes,
  isAlive,
  processStatus,
  readPid,
  removePid,
  spawnDetached,
  stopOwnedProcess,
  stopPid,
  waitFor,
  writePid,
} from '../process.js';

function files(ctx: StackContext) {
  const dir = ctx.paths.part('redis');
  return {
    dir,
    config: join(dir, 'redis.conf'),
    pid: ctx.paths.pidFile('redis'),
    log: ctx.paths.log('redis'),
  };
}

function runningPid(ctx: StackContext): number | undefined {
  const pid = readPid(files(ctx).pid);
  return pid && isAlive(pid) && cmdlineIncludes(pid, 'redis-server') ? pid : undefined;
}

/** The stack's redis.conf; tests that run a private redis-server configure it the same way. */
export function redisConf(dir: string, port: number): string {
  return `${[
    'bind 127.0.0.1',
    `port ${port}`,
    `dir ${dir}`,
    // We spawn it detached ourselves and record the pid; a daemonizing Redis would fork away from it.
    'daemonize no',
    'logfile ""',
    // Crash tests restart Redis and expect counters to survive: AOF, fsynced every second.
    'appendonly yes',
    'appendfsync everysec',
    'save ""',
  ].join('\n')}\n`;
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      // "-LOADING" while the AOF is replayed: not ready for the host yet.
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
  });
}

export const redisPart: Part = {
  name: 'redis',
  logFile: (ctx) => files(ctx).log,

  status: (ctx) => processStatus('redis', runningPid(ctx), ctx.ports.redis),

  async up(ctx) {
    const f = files(ctx);
    const existing = runningPid(ctx);
    const oldPort = ctx.ports.redis;
    const sameConfig = oldPort !== undefined && configUnchanged(f.config, redisConf(f.dir, oldPort));
    if (existing && sameConfig && oldPort && (await pong(oldPort))) {
      return { outcome: 'running', detail: `pid ${existing}, port ${oldPort}` };
    }
    if (existing) await stopPid(existing);
    removePid(f.pid);
    const port = await choosePort('redis', ctx.ports);
    mkdirSync(f.dir, { recursive: true });
    writeFileSync(f.config, redisConf(f.dir, port));
    const pid = spawnDetached('redis-server', [f.config], { log: f.log, cwd: f.dir });
    writePid(f.pid, pid);
    await waitFor('redis', () => pong(port), { timeoutMs: 30_000, pid });
    return { outcome: 'started', detail: `pid ${pid}, port ${port}` };
  },

  down: (ctx) => stopOwnedProcess(files(ctx).pid, runningPid(ctx), 15_000),

  env: (ctx): Record<string, string> =>
    ctx.ports.redis ? { REDIS_URL: `redis://127.0.0.1:${ctx.ports.redis}` } : {},
};
