import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The executable as `npm install` links it, run the way a shell runs it (from the sources unless built).
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repoRoot, 'node_modules', '.bin', 'event-host');
// Nothing here may reach a registry: a request to this address fails at once.
const deadRegistry = 'http://127.0.0.1:9';
const env = {
  ...withoutHostSettings(process.env),
  npm_config_registry: deadRegistry,
  npm_config_offline: 'true',
  npm_config_fetch_retries: '0',
};

function withoutHostSettings(e: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith('EVENT_HOST_')));
}

/** Resolves with a child's exit code and what it wrote to the pipes this process holds. */
function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the event-host executable', () => {
  it('runs from node_modules/.bin after npm install, without a build', async () => {
    const out = await finished(spawn(bin, ['--help'], { cwd: repoRoot, env }));
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/^usage: event-host <command> \[options\]\n/);
    expect(out.stdout).toContain('config check');
    expect(out.code).toBe(0);
  }, 30_000);

  it('is what npx runs from a subdirectory, with the registry unreachable', async () => {
    const out = await finished(
      spawn('npx', ['--registry', deadRegistry, 'event-host', '--help'], {
        cwd: join(repoRoot, 'services', 'event-host', 'src'),
        env,
      }),
    );
    expect(out.stdout).toMatch(/^usage: event-host <command>/);
    expect(out.code).toBe(0);
  }, 30_000);

  it("says where it looked for npm start's settings when it has none", async () => {
    const stackDir = mkdtempSync(join(tmpdir(), 'event-host-stack-'));
    try {
      const out = await finished(
        spawn(bin, ['metrics', 'drift'], { cwd: repoRoot, env: { ...env, STACK_DIR: stackDir } }),
      );
      expect(out.stderr).toContain(
        `no settings written by npm start at ${join(stackDir, 'event-host.json')}`,
      );
      expect(out.code).toBe(78);
    } finally {
      rmSync(stackDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('stops the host it runs from the sources when it is killed without passing a signal on', async () => {
    // `start` with nothing to reach keeps waiting for its dependencies: a host that stays up on its own.
    const wrapper = spawn(bin, ['start'], {
      env: {
        ...env,
        EVENT_HOST_KAFKA_BROKERS: '127.0.0.1:1',
        EVENT_HOST_CLICKHOUSE_URL: 'http://127.0.0.1:1',
        EVENT_HOST_REDIS_URL: 'redis://127.0.0.1:1',
        EVENT_HOST_POSTGRES_URL: 'postgres://127.0.0.1:1/none',
        EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
        EVENT_HOST_HTTP_PORT: '0',
        EVENT_HOST_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let log = '';
    wrapper.stdout!.on('data', (d) => {
      log += d;
    });
    // Loaded and running: it says it waits for a dependency.
    await waitFor(() => (log.includes('host.start.waiting') ? true : undefined));
    const host = childrenOf(wrapper.pid!)[0]!;
    try {
      expect(running(host)).toBe(true);
      wrapper.kill('SIGKILL');
      // Before, the host ran on without its wrapper, holding its port and partitions, until killed by hand.
      expect(await waitFor(() => (running(host) ? undefined : 'stopped'))).toBe('stopped');
    } finally {
      if (running(host)) process.kill(host, 'SIGKILL');
    }
  }, 90_000);

  describe('with its output piped into a slower reader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-host-pipe-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes every line before it exits (issue 17)', async () => {
      // One model version and 10,400 images made with it: one metric event each (the version's; the model's
      // distinct-image count is recomputed, not a delta), 10,400 JSONL lines (about 2.5 MB).
      const images = 10_400;
      const file = join(dir, 'images.jsonl');
      writeFileSync(file, replayRecords(images));
      const cli = replayDryRun(file);
      // A separate process reads the pipe, as `event-host … | wc -l` does; it reports complete lines.
      const reader = spawn(
        process.execPath,
        [
          '-e',
          `let n = 0, tail = '';
           process.stdin.setEncoding('utf8');
           process.stdin.on('data', (d) => { const parts = (tail + d).split('\\n'); tail = parts.pop(); n += parts.length; });
           process.stdin.on('end', () => process.stdout.write(JSON.stringify({ lines: n, partial: tail })));`,
        ],
        { stdio: [cli.stdout!, 'pipe', 'inherit'] },
      );
      // Only the reader reads: this process lets go of its end of the CLI's stdout.
      cli.stdout!.destroy();
      const [written, read] = await Promise.all([finished(cli), finished(reader)]);
      expect(written.stderr).toContain(`${images} metric event(s), 1 touch(es)`);
      expect(written.code).toBe(0);
      expect(JSON.parse(read.stdout)).toEqual({ lines: images, partial: '' });
    }, 60_000);

    it('exits quietly with its own code when the reader stops early (`| head -1`)', async () => {
      const file = join(dir, 'head.jsonl');
      writeFileSync(file, replayRecords(5_200));
      const cli = replayDryRun(file);
      const reader = spawn(process.execPath, ['-e', `process.stdin.once('data', () => process.exit(0))`], {
        stdio: [cli.stdout!, 'ignore', 'inherit'],
      });
      cli.stdout!.destroy();
      const [written] = await Promise.all([finished(cli), finished(reader)]);
      expect(written.stderr).not.toContain('EPIPE');
      expect(written.code).toBe(0);
    }, 60_000);
  });
});

/** The ids of a process's children. */
function childrenOf(pid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map(Number);
}

/** Whether a process runs (a zombie, exited and not yet reaped by whoever adopted it, does not). */
function running(pid: number): boolean {
  const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return state !== '' && !state.startsWith('Z');
}

/** `probe`'s first defined answer, asked every 200 ms for up to 30 s. */
async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  for (let waited = 0; waited < 30_000; waited += 200) {
    const answer = probe();
    if (answer !== undefined) return answer;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('gave up after 30 s');
}

/** `event-host replay --dry-run file` with the listener plugins, its stdout and stderr piped. */
function replayDryRun(file: string): ChildProcess {
  return spawn(bin, ['replay', '--dry-run', file], {
    env: {
      ...env,
      EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
      // Every lookup is answered by the ModelVersion change in the file; a query would fail on this port.
      EVENT_HOST_POSTGRES_URL: 'postgres://127.0.0.1:1/none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Debezium records as `replay --dry-run` reads them: a ModelVersion, then `images` ImageResource creates
 * of it (a version's model never changes, so its change answers the lookups: no query).
 */
function replayRecords(images: number): string {
  const t0 = 1_795_244_500_000;
  const created = (
    table: string,
    txId: number,
    key: Record<string, number>,
    after: { createdAt: number; [column: string]: unknown },
  ) =>
    JSON.stringify({
      topic: `app.public.${table}`,
      key,
      value: {
        before: null,
        after,
        source: {
          connector: 'postgresql',
          name: 'app',
          ts_ms: after.createdAt,
          snapshot: 'false',
          db: 'app',
          schema: 'public',
          table,
          txId,
          lsn: 30_000_000 + txId * 120,
        },
        op: 'c',
        ts_ms: after.createdAt,
      },
    });
  const version = { id: 301, modelId: 201, name: 'v1', status: 'Draft', createdAt: t0 };
  const lines = [created('ModelVersion', 1, { id: 301 }, version)];
  for (let i = 1; i <= images; i++) {
    const resource = { imageId: i, modelVersionId: 301, createdAt: t0 + i * 1000 };
    lines.push(created('ImageResource', i + 1, { imageId: i, modelVersionId: 301 }, resource));
  }
  return `${lines.join('\n')}\n`;
}
