// A redis-server owned by one test, configured like the local stack's (infra/stack/parts/redis.ts: append-only
// file, fsynced every second), so the test can SIGKILL it, cut its append-only file back as a power loss would,
// and start it again on the same port, without disturbing the stack's Redis that other tests use.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisConf } from '../../../infra/stack/parts/redis.js';
import { ephemeralPort } from '../../../infra/stack/ports.js';

const AOF_DIR = 'appendonlydir';
const MANIFEST = 'appendonly.aof.manifest';

/** The incremental append-only file Redis 7 writes to now (the manifest's last `type i` entry), and its size. */
export interface AofMark {
  file: string;
  bytes: number;
}

function config(dir: string, port: number): string {
  // The default, stated because the test relies on it: a cut file loads up to its last whole command.
  return `${redisConf(dir, port)}aof-load-truncated yes\n`;
}

/** Starts redis-server with `dir`'s data on `port`; resolves once it answers PING (not while LOADING). */
async function launch(dir: string, port: number): Promise<ChildProcess> {
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, config(dir, port));
  const proc = spawn('redis-server', [conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
  client.on('error', () => undefined); // refused until the server listens
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode}): ${stderr}`);
      const pong = await client.ping().catch(() => undefined);
      if (pong === 'PONG') return proc;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    client.disconnect();
  }
}

async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
}

export class PrivateRedis {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private proc: ChildProcess,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'eb-redis-'));
    const port = await ephemeralPort();
    return new PrivateRedis(dir, port, await launch(dir, port));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Where the append-only file ends now. */
  aofMark(): AofMark {
    const manifest = readFileSync(join(this.dir, AOF_DIR, MANIFEST), 'utf8');
    const incr = manifest
      .split('\n')
      .filter((line) => / type i\b/.test(line))
      .at(-1)
      ?.match(/^file (\S+)/)?.[1];
    if (!incr) throw new Error(`no incremental file in the AOF manifest:\n${manifest}`);
    return { file: incr, bytes: statSync(join(this.dir, AOF_DIR, incr)).size };
  }

  /** SIGKILL: what was written to the file stays (it is in the page cache), nothing else is flushed. */
  async kill(): Promise<void> {
    await kill(this.proc);
  }

  /** Cuts the append-only file back to `mark`, as a power loss within `appendfsync everysec` can. */
  cutAof(mark: AofMark): void {
    const now = this.aofMark();
    if (now.file !== mark.file) throw new Error(`AOF rewritten since the mark (${mark.file} → ${now.file})`);
    truncateSync(join(this.dir, AOF_DIR, mark.file), mark.bytes);
  }

  /** Starts Redis again on the same port from the same directory and configuration. */
  async restart(): Promise<void> {
    this.proc = await launch(this.dir, this.port);
  }

  /**
   * Loads a copy of the data directory in a second, short-lived Redis and passes a client to `read`: the state
   * a restart would load, read without the pipeline touching it.
   */
  async inspect<T>(read: (redis: Redis) => Promise<T>): Promise<T> {
    const copy = mkdtempSync(join(tmpdir(), 'eb-redis-inspect-'));
    cpSync(join(this.dir, AOF_DIR), join(copy, AOF_DIR), { recursive: true });
    const port = await ephemeralPort();
    const proc = await launch(copy, port);
    const client = new Redis({ port, host: '127.0.0.1' });
    try {
      return await read(client);
    } finally {
      client.disconnect();
      await kill(proc);
      rmSync(copy, { recursive: true, force: true });
    }
  }

  async stop(): Promise<void> {
    await kill(this.proc);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
