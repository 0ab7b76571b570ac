import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { configUnchanged } from '../config-file.js';
import { keepIfCurrent, ownedProcess, ownedStatus, startOwned, stopOwned } from '../owned-process.js';
import type { Part, StackContext } from '../part.js';
import { choosePort } from '../ports.js';

function files(ctx: StackContext) {
  const dir = ctx.paths.part('redis');
  return {
    dir,
    config: join(dir, 'redis.conf'),
  };
}

const server = (ctx: StackContext) => ownedProcess(ctx, 'redis', 'redis-server');

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
  logFile: (ctx) => server(ctx).log,

  status: (ctx) => ownedStatus(server(ctx), ctx.ports.redis),

  async up(ctx) {
    const f = files(ctx);
    const oldPort = ctx.ports.redis;
    const sameConfig = oldPort !== undefined && configUnchanged(f.config, redisConf(f.dir, oldPort));
    const kept = await keepIfCurrent(server(ctx), sameConfig, () => pong(oldPort as number));
    if (kept) return { outcome: 'running', detail: `pid ${kept}, port ${oldPort}` };
    const port = await choosePort('redis', ctx.ports);
    mkdirSync(f.dir, { recursive: true });
    writeFileSync(f.config, redisConf(f.dir, port));
    const pid = await startOwned(
      server(ctx),
      'redis-server',
      [f.config],
      { cwd: f.dir },
      {
        what: 'redis',
        check: () => pong(port),
        timeoutMs: 30_000,
      },
    );
    return { outcome: 'started', detail: `pid ${pid}, port ${port}` };
  },

  down: (ctx) => stopOwned(server(ctx), 15_000),

  env: (ctx): Record<string, string> =>
    ctx.ports.redis ? { REDIS_URL: `redis://127.0.0.1:${ctx.ports.redis}` } : {},
};
