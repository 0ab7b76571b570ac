import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
});
